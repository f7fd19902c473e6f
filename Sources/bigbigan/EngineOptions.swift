import ArgumentParser

/// Which implementation runs a model.
enum Engine: String, ExpressibleByArgument, CaseIterable {
    /// For a module folder: verify once, then native where it agrees with the module's graph, else the graph.
    case auto
    /// The hand-written models.
    case native
    /// The module's own TensorFlow graph (`saved_model.pb`).
    case graph
}

/// `--engine`, shared by the commands that run a model.
struct EngineOptions: ParsableArguments {
    @Option(
        help: """
            auto, native or graph. graph runs the module's own TensorFlow graph (needs a module folder with \
            saved_model.pb); native the hand-written models; auto (default) verifies native against the graph once per \
            module and uses native where they agree.
            """)
    var engine: Engine = .auto
}
