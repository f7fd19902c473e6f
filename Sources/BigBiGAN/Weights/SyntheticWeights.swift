import Tensors

/// Deterministic weights drawn from a seed, so every command runs without the released files.
///
/// Each tensor's values depend only on the seed and its name, never on load order. Scales follow each
/// weight's `WeightRole`; the models choose gains so activations keep roughly unit variance through every
/// block. Stored batch-norm variances are 1, which suits the generator, whose every norm sees such activations;
/// an encoder's residual stream grows from block to block, so for an encoder use `calibrated(for:)`, whose
/// variances are measured. Either way outputs are neither saturated nor vanishing.
public struct SyntheticWeights: WeightSource {
    public let seed: UInt64
    /// Stored batch-norm variances measured by `calibrated(for:)`, by name; every other variance is 1.
    private var calibratedVariances: [String: Float] = [:]

    public init(seed: UInt64 = 0) { self.seed = seed }

    public var description: String {
        "synthetic weights (seed \(seed)\(calibratedVariances.isEmpty ? "" : ", batch norms calibrated"))"
    }

    /// These weights with the stored variance of every batch norm that an encoder of `config` runs as an op set to
    /// the mean square of that norm's input, measured in one forward pass of the encoder on the CPU reference over
    /// `RandomImages.uniform(count: 1, resolution: config.resolution, seed: seed)` (see `BatchNormCalibration`).
    /// Costs one synthesis of the weights and one CPU forward; deterministic like the weights themselves.
    public func calibrated(for config: EncoderConfig) throws -> SyntheticWeights {
        let calibration = BatchNormCalibration()
        let encoder = try Encoder(config: config, weights: calibration.observing(self), backend: calibration)
        let images = try RandomImages.uniform(count: 1, resolution: config.resolution, seed: seed)
        _ = try encoder(calibration.upload(images), noiseSeed: seed)
        var weights = self
        weights.calibratedVariances.merge(calibration.meanSquares) { _, measured in measured }
        return weights
    }

    public func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        let count = shape.count
        switch role {
        case .kernel(let gain):
            let fanIn = max(1, count / max(1, shape.channels))
            return draw(name, shape, std: gain / Float(fanIn).squareRoot())
        case .embedding:
            return draw(name, shape, std: 1)
        case .bias, .normMean, .normOffset:
            return HostTensor(zeros: shape)
        case .normScale:
            return try HostTensor(shape: shape, data: [Float](repeating: 1, count: count))
        case .normVariance:
            return try HostTensor(shape: shape, data: [Float](repeating: calibratedVariances[name] ?? 1, count: count))
        case .scalar(let v):
            return try HostTensor(shape: shape, data: [Float](repeating: v, count: count))
        }
    }

    private func draw(_ name: String, _ shape: Shape, std: Float) -> HostTensor {
        var random = SeededRandom(seed: seed ^ Self.fnv1a(name))
        return random.normalTensor(shape, standardDeviation: std)
    }

    /// A stable 64-bit name hash (FNV-1a), so values do not change between runs or platforms.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }
}
