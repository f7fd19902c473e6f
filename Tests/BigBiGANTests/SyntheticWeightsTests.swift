import BigBiGAN
import Tensors
import Testing

/// `SyntheticWeights.calibrated(for:)`: what it changes, and that the stored variances are what the norms see.
@Suite("Synthetic weights")
struct SyntheticWeightsTests {
    /// The batch norms an encoder runs as ops (not those folded into a convolution at load).
    private static func runsAsOp(_ name: String) -> Bool {
        ["bn1/accumulated_var", "final_bn/accumulated_var", "bn_crelu/bn/accumulated_var"].contains {
            name.hasSuffix($0)
        }
    }

    /// Calibration changes the stored variance of every batch norm that runs as an op, to one positive value per
    /// layer, and nothing else: folded norms keep 1, every other tensor is drawn as before.
    @Test(arguments: EncoderArchitecture.allCases)
    func calibrationChangesOnlyTheVariancesOfNormsThatRun(architecture: EncoderArchitecture) throws {
        let config = EncoderConfig.reduced(architecture)
        let plain = SyntheticWeights(seed: 5)
        let calibrated = try plain.calibrated(for: config)
        let requests = RecordingWeights(plain)
        _ = try Encoder(config: config, weights: requests, backend: CPUBackend())
        var measured = 0
        for r in requests.requests {
            let before = try plain.load(r.name, shape: r.shape, role: r.role)
            let after = try calibrated.load(r.name, shape: r.shape, role: r.role)
            if r.role == .normVariance, Self.runsAsOp(r.name) {
                let value = try #require(after.data.first)
                #expect(value > 0 && value != 1 && after.data.allSatisfy { $0 == value }, "\(r.name): \(value)")
                measured += 1
            } else {
                #expect(after == before, "\(r.name)")
            }
        }
        #expect(measured == config.blocksPerStage.reduce(0, +) + 2, "every block's bn1, final_bn and bn_crelu/bn")
    }

    /// On the calibration images, the norm before `bn_crelu_feat` divides by the mean square of its input, so the
    /// features' mean square over the channels that are not zero throughout is m / (m + ε) for the stored m (crelu
    /// keeps each value once, as relu(y) or relu(−y)).
    @Test(arguments: EncoderArchitecture.allCases)
    func calibratedNormsSeeTheStoredMeanSquare(architecture: EncoderArchitecture) throws {
        let config = EncoderConfig.reduced(architecture)
        let seed: UInt64 = 6
        let weights = try SyntheticWeights(seed: seed).calibrated(for: config)
        let cpu = CPUBackend()
        var features: [String: HostTensor] = [:]
        let images = try RandomImages.uniform(count: 1, resolution: config.resolution, seed: seed)
        _ = try Encoder(config: config, weights: weights, backend: cpu)(cpu.upload(images), noiseSeed: seed) {
            name, tensor in
            if name == "avepool_feat" || name == "bn_crelu_feat" { features[name] = try cpu.download(tensor) }
        }
        let avepool = try #require(features["avepool_feat"])
        let bnCrelu = try #require(features["bn_crelu_feat"])
        let live = avepool.data.filter { $0 != 0 }.count
        let meanSquare = bnCrelu.data.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(live)
        let name = Encoder.scope + "/bn_crelu/bn/accumulated_var"
        let m = Double(
            try #require(weights.load(name, shape: [config.featureChannels], role: .normVariance).data.first))
        let epsilon = Double(config.epsilon)
        #expect(abs(meanSquare - m / (m + epsilon)) < 1e-5, "mean square \(meanSquare), stored \(m)")
    }
}
