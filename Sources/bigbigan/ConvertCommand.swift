import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan convert`: a TF-Hub module or checkpoint → one `.safetensors` of effective weights under canonical names.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a BigBiGAN TF-Hub module or checkpoint into effective weights in a .safetensors file.",
        discussion: """
            Loads the generator (and the encoder, when the checkpoint has variables under \(Encoder.scope)/, trying the
            resnet50 and revnet50x4 names) exactly as the models do — EMA copies, spectral normalisation applied — and writes
            every tensor they use under its canonical name. The result loads with --weights, faster and without TensorFlow's
            format. Metadata records the source and the conventions used.
            Examples:
              bigbigan convert bigbigan-resnet50/ --output resnet50.safetensors
              bigbigan convert module/variables/variables --output generator.safetensors --generator-only
            """
    )

    @Argument(
        help:
            "A TF-Hub module folder, a checkpoint prefix (…/variables/variables), a .safetensors file, or 'synthetic'.")
    var path: String

    @Option(help: "Output .safetensors file.") var output: String
    @Flag(help: "Convert the generator only.") var generatorOnly = false
    @Option(help: "Generator channel multiplier (default: read from the weights, else 96 as released).") var ch: Int?
    @Option(help: "Encoder width (default: read from the weights, else 256 / 1024 as released).") var width: Int?
    @Option(help: "With 'synthetic': the encoder to include.") var encoder: EncodeCommand.EncoderChoice = .resnet50
    @Option(help: "With 'synthetic': the seed of the weights.") var weightSeed: UInt64 = 0

    func validate() throws {
        guard output.hasSuffix(".safetensors") else { throw ValidationError("--output must end in .safetensors") }
        try OptionLimits.checkCh(ch)
        try OptionLimits.checkWidth(width)
    }

    func run() throws {
        try OutputLocation.checkFile(output, option: "--output", inputs: [path])
        let synthetic = path == "synthetic"
        let source: any WeightSource = synthetic ? SyntheticWeights(seed: weightSeed) : try WeightFiles.open(path)
        let backend = CPUBackend()
        let generator = WeightRecorder(source)
        let generatorConfig = GeneratorConfig.matching(source, ch: ch)
        try generatorConfig.validate()
        var sizes: [ModelMemory.Size] = [.generator(generatorConfig)]
        if synthetic, !generatorOnly {
            let config = try EncoderConfig.matching(
                encoder == .resnet50 ? .resnet50 : .revnet50x4, weights: source, width: width)
            try config.validate()
            sizes.append(.encoder(config))
        }
        try ModelMemory.check("convert", models: sizes, batch: 1, on: backend, hint: "Use a smaller --ch or --width.")
        _ = try Generator(config: generatorConfig, weights: generator, backend: backend)
        noteUnused(source, scope: Generator.scope, requested: generator.tensors)
        var tensors = generator.tensors
        var encoderName = "none"
        let hasEncoder = synthetic || !source.unusedVariables(scope: Encoder.scope, requested: []).isEmpty
        if !generatorOnly, hasEncoder {
            let architectures: [EncoderArchitecture] =
                synthetic ? [encoder == .resnet50 ? .resnet50 : .revnet50x4] : [.resnet50, .revnet50x4]
            if let (config, encoder) = loadEncoder(source, architectures: architectures, on: backend) {
                tensors.merge(encoder.tensors) { first, _ in first }
                noteUnused(source, scope: Encoder.scope, requested: encoder.tensors)
                encoderName = config.architecture.rawValue
            }
        } else if !generatorOnly {
            Console.note("no variables under \(Encoder.scope)/: converting the generator only")
        }
        var metadata = [
            "format": "bigbigan effective weights",
            "source": synthetic ? source.description : URL(fileURLWithPath: path).standardizedFileURL.path,
            "generator": "ch \(generatorConfig.ch)",
            "encoder": encoderName,
        ]
        if let checkpoint = source as? CheckpointWeights {
            let fromEMA = tensors.keys.filter {
                checkpoint.storedName(for: $0)?.hasSuffix(CheckpointConventions.emaSuffix) == true
            }
            metadata["ema_suffix"] = CheckpointConventions.emaSuffix
            metadata["ema_copies_used"] = "\(fromEMA.count) of \(tensors.count)"
            metadata["spectral_norm_epsilon"] = "\(CheckpointConventions.spectralNormEpsilon)"
            metadata["spectral_norm"] = "w / sigma, one power step from the stored u0"
        }
        try SafetensorsFile.write(tensors, metadata: metadata, to: URL(fileURLWithPath: output))
        let megabytes = Double(tensors.values.reduce(0) { $0 + $1.data.count } * 4) / 1_048_576
        Console.note(
            "wrote \(tensors.count) tensors (\(String(format: "%.1f", megabytes)) MiB; generator, encoder \(encoderName)) to \(output)"
        )
    }

    /// The first released encoder architecture whose names all load, or nil after saying why each failed: a few of
    /// each attempt's problems, then the stored encoder variables the closer attempt did not use (what to map).
    private func loadEncoder(
        _ source: any WeightSource, architectures: [EncoderArchitecture],
        on backend: any Backend
    ) -> (EncoderConfig, WeightRecorder)? {
        var lines: [String] = []
        var closest: WeightLoadError?
        for architecture in architectures {
            do {
                let config = try EncoderConfig.matching(architecture, weights: source, width: width)
                let recorder = WeightRecorder(try WeightOptions.forEncoder(source, config))
                _ = try Encoder(config: config, weights: recorder, backend: backend)
                return (config, recorder)
            } catch let error as WeightLoadError {
                lines.append("as \(architecture.rawValue): \(error.problems.count) weight problem(s), e.g.")
                lines += error.problems.prefix(5).map { "  \($0)" }
                if error.problems.count < closest?.problems.count ?? .max { closest = error }
            } catch {
                lines.append("as \(architecture.rawValue): \(error)")
            }
        }
        if let unused = closest?.unused, !unused.isEmpty {
            lines.append("\(unused.count) stored variable(s) under \(Encoder.scope)/ were not asked for:")
            lines += unused.map { "  \($0)" }
        }
        Console.note(
            "the encoder did not load under either architecture's names (EncoderConventions are provisional); "
                + "converting the generator only.\n" + lines.joined(separator: "\n"))
        return nil
    }

    /// Says which stored variables under `scope` the loaded model did not use, if any.
    private func noteUnused(_ source: any WeightSource, scope: String, requested: [String: HostTensor]) {
        let unused = source.unusedVariables(scope: scope, requested: Set(requested.keys))
        guard !unused.isEmpty else { return }
        Console.note(
            "\(unused.count) stored variable(s) under \(scope)/ were not used:\n"
                + unused.map { "  \($0)" }.joined(separator: "\n"))
    }
}

/// Passes loads through to another source and keeps every tensor it returned, under the requested name.
private final class WeightRecorder: WeightSource {
    let base: any WeightSource
    private(set) var tensors: [String: HostTensor] = [:]

    init(_ base: any WeightSource) { self.base = base }

    var description: String { base.description }

    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        let tensor = try base.load(name, shape: shape, role: role)
        tensors[name] = tensor
        return tensor
    }

    func unusedVariables(scope: String, requested: Set<String>) -> [String] {
        base.unusedVariables(scope: scope, requested: requested)
    }

    func conventionProblems(requested: [String: WeightRole]) -> [WeightProblem] {
        base.conventionProblems(requested: requested)
    }
}
