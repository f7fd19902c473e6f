import ArgumentParser
import BigBiGAN

/// `--weights` and the synthetic fallback, shared by every command that runs a model.
struct WeightOptions: ParsableArguments {
    @Option(
        help:
            "Weights: a TF-Hub module folder, a checkpoint prefix (…/variables/variables) or a .safetensors from `convert`; without it, deterministic synthetic weights are used (not the released model)."
    )
    var weights: String?

    @Option(help: "Seed of the synthetic weights.")
    var weightSeed: UInt64 = 0

    func source() throws -> any WeightSource {
        if let weights { return try WeightFiles.open(weights) }
        return SyntheticWeights(seed: weightSeed)
    }

    /// `source` made ready for an encoder of `config`: synthetic weights calibrate their batch norms for it
    /// (`SyntheticWeights.calibrated(for:)`); weights from files are used as they are.
    static func forEncoder(_ source: any WeightSource, _ config: EncoderConfig) throws -> any WeightSource {
        guard let synthetic = source as? SyntheticWeights else { return source }
        return try synthetic.calibrated(for: config)
    }

    func describe() -> String {
        weights.map { "weights \($0)" } ?? "SYNTHETIC weights (seed \(weightSeed)), not the released model"
    }

    /// Says plainly on stderr when synthetic weights stand in for the released ones.
    func announce() {
        if weights == nil {
            Console.note(
                "using SYNTHETIC weights (seed \(weightSeed)): outputs are not the released BigBiGAN's; pass --weights to load real ones"
            )
        }
    }
}
