import ArgumentParser
import BigBiGAN

/// `--weights`: a file, `synthetic`, or (when absent) the default model that ships with the tool; shared by every
/// command that runs a model.
struct WeightOptions: ParsableArguments {
    @Option(
        help: """
            Weights: a TF-Hub module folder, a checkpoint prefix (…/variables/variables), a .safetensors, or \
            'synthetic' for deterministic synthetic weights of the released size (--weight-seed). Default: the \
            BigBiGAN trained on Fashion-MNIST that ships with bigbigan (32×32; docs/default-model.md); bench and \
            parity default to synthetic weights.
            """
    )
    var weights: String?

    @Option(help: "Seed of the synthetic weights.")
    var weightSeed: UInt64 = 0

    /// The value of `--weights` that asks for synthetic weights.
    static let synthetic = "synthetic"

    /// Whether the weights are synthetic: asked for, or the default of a command without the default model.
    func isSynthetic(defaultModel: Bool) -> Bool { weights == Self.synthetic || (weights == nil && !defaultModel) }

    /// Rejects a size option (`--ch`, `--width`) given without `--weights`: it sizes synthetic weights or overrides
    /// a file's, while the default model has one size.
    func checkSize(_ option: String, _ value: Int?) throws {
        guard value != nil, weights == nil else { return }
        throw ValidationError(
            "\(option) sizes synthetic weights (--weights synthetic) or a file's model; the default model has its own size"
        )
    }

    /// The weights: the file `--weights` names, synthetic weights, or without `--weights` the default model (or,
    /// where `defaultModel` is false, synthetic weights of the released size).
    func source(defaultModel: Bool = true) throws -> any WeightSource {
        if isSynthetic(defaultModel: defaultModel) { return SyntheticWeights(seed: weightSeed) }
        guard let weights else { return try DefaultModel.weights() }
        return try WeightFiles.open(weights)
    }

    /// The file the weights are read from, if any: an output must not replace it, and a module folder can run its own
    /// graph.
    func file(defaultModel: Bool = true) -> String? {
        if isSynthetic(defaultModel: defaultModel) { return nil }
        return weights ?? DefaultModel.weightsURL().path
    }

    /// `source` made ready for an encoder of `config`: synthetic weights calibrate their batch norms for it
    /// (`SyntheticWeights.calibrated(for:)`); weights from files are used as they are.
    static func forEncoder(_ source: any WeightSource, _ config: EncoderConfig) throws -> any WeightSource {
        guard let synthetic = source as? SyntheticWeights else { return source }
        return try synthetic.calibrated(for: config)
    }

    func describe(defaultModel: Bool = true) -> String {
        if isSynthetic(defaultModel: defaultModel) {
            return "SYNTHETIC weights (seed \(weightSeed)), not the released model"
        }
        return weights.map { "weights \($0)" } ?? "the default model (\(DefaultModel.name))"
    }

    /// Says on stderr, in one line, when the default model or synthetic weights are used.
    func announce(defaultModel: Bool = true) {
        if isSynthetic(defaultModel: defaultModel) {
            Console.note(
                "using SYNTHETIC weights (seed \(weightSeed)): outputs are not the released BigBiGAN's; pass --weights to load real ones"
            )
        } else if weights == nil {
            Console.note(
                "using the default model: a BigBiGAN trained on Fashion-MNIST, 32×32 (docs/default-model.md); pass --weights for another"
            )
        }
    }
}
