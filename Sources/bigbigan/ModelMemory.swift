import BigBiGAN
import Tensors

/// The memory models need on their backend, estimated before their weights are loaded.
enum ModelMemory {
    /// A model's size: elements of its weights and, per sample, of its largest activation.
    struct Size {
        let name: String
        let weights: Int
        let activation: Int

        /// The generator of `config`, which must pass `validate()`.
        static func generator(_ config: GeneratorConfig) -> Self {
            Self(name: "generator", weights: config.weightElements, activation: config.largestActivation)
        }

        /// The discriminator of `config`, which must pass `validate()`.
        static func discriminator(_ config: DiscriminatorConfig) -> Self {
            Self(name: "discriminator", weights: config.weightElements, activation: config.largestActivation)
        }

        /// The encoder of `config`, which must pass `validate()`.
        static func encoder(_ config: EncoderConfig) -> Self {
            Self(name: "encoder", weights: config.weightElements, activation: config.largestActivation)
        }
    }

    /// Throws a `CommandFailure` unless `backend` has room for the weights of `models` together and for `batch`
    /// samples of their largest activation: a lower bound, since a forward pass holds several activations at once.
    static func check(_ job: String, models: [Size], batch: Int, on backend: any Backend, hint: String) throws {
        let bytes = MachineMemory.bytesPerElement(on: backend)
        var estimate = MemoryEstimate()
        for model in models {
            estimate.add(
                "the \(model.name) weights (\(MemoryEstimate.count(model.weights)) values)", count: model.weights,
                bytesEach: bytes)
        }
        let largest = models.map(\.activation).max() ?? 0
        estimate.add(
            "\(batch) × the largest activation (\(MemoryEstimate.count(largest)) values each)",
            count: MemoryEstimate.product(batch, largest), bytesEach: bytes)
        try estimate.check(job, against: MachineMemory.capacity(of: backend), hint: hint)
    }
}
