import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

/// Our generator against TensorFlow on `Tests/Fixtures/bigbigan-tiny`: a ch = 4 BigBiGAN generator written
/// independently in TF1 (tools/fixtures/make_bigbigan_fixture.py), saved as a real tensor-bundle checkpoint with
/// the released variable names, EMA copies that differ from the raw values, random `u0`, non-trivial BN statistics
/// and decoy Encoder/Discriminator variables. `WeightFiles.open` must pick the EMA copies, apply spectral
/// normalisation from `u0` and ignore the decoys; using raw weights or skipping SN moves pixels by ~2.
@Suite("fixture goldens")
struct FixtureGoldenTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bigbigan-tiny")

    static func golden(_ name: String) throws -> HostTensor {
        try NPYFile.read(fixture.appendingPathComponent("golden/\(name).npy"))
    }

    /// Tolerance: TF's convolutions/matmuls (Eigen/oneDNN, fp32) and ours sum up to 9·64 = 576 products per output
    /// in a different order, through ~25 convolutions/linears, 11 batch norms (dividing by √var, up to ~2.5×), attention
    /// and tanh. Measured before this test was committed (weights from TF's checkpoint reader, EMA and SN applied
    /// with our `SpectralNorm`): max |Δ| 7.9e-6 on CPU, 9.8e-6 on lavapipe, NMSE 4.3e-12. We allow 1e-4 absolute
    /// (10×) and NMSE 1e-10; relative error is not checked because it is meaningless where pixels cross zero.
    @Test(arguments: ["cpu", "vulkan"])
    func generatorMatchesTensorFlow(_ device: String) throws {
        let backend: any Backend = device == "cpu" ? CPUBackend() : try TestDevice.vulkan()
        let weights = try WeightFiles.open(Self.fixture.path)
        let generator = try Generator(config: GeneratorConfig(ch: 4), weights: weights, backend: backend)
        let z = try Self.golden("z")
        #expect(z.shape == [3, 120])
        let output = try generator(backend.upload(z))
        for (name, tensor) in [("default", output.image), ("upsampled", output.upsampled)] {
            let expected = try Self.golden(name)
            let actual = try backend.download(tensor)
            try #require(actual.shape == expected.shape, "\(name): \(actual.shape) vs \(expected.shape)")
            let e = ErrorStatistics(actual: actual.data, expected: expected.data)
            #expect(e.maxAbsolute <= 1e-4 && e.nmse <= 1e-10, "\(device) \(name): \(e)")
        }
    }

    /// The native encoder against TensorFlow on `Tests/Fixtures/bigbigan-native`, an encoder written independently in
    /// TF1 to the native conventions (stride on the 3×3, SAME padding, ε = 1e-3, the residual head): a reduced
    /// ResNet (width 8, blocks [2, 1, 1, 1], head [32, 32]) whose structure `EncoderConfig.matching` reads from the
    /// names. Tolerance: 1e-4 of each output's range (measured about 1e-5 with the graph engine, whose kernels are
    /// the same), and NMSE 1e-9.
    @Test(arguments: ["cpu", "vulkan"])
    func encoderMatchesTensorFlow(_ device: String) throws {
        let backend: any Backend = device == "cpu" ? CPUBackend() : try TestDevice.vulkan()
        let module = Self.fixture.deletingLastPathComponent().appendingPathComponent("bigbigan-native")
        let weights = try WeightFiles.open(module.path)
        let config = try EncoderConfig.matching(.resnet50, weights: weights)
        #expect(config.width == 8 && config.blocksPerStage == [2, 1, 1, 1] && config.head.hiddenWidths == [32, 32])
        let encoder = try Encoder(config: config, weights: weights, backend: backend)
        let output = try encoder(backend.upload(FixtureImages.pattern(count: 2)), noiseSeed: 0)
        for (name, tensor) in [
            ("z_mean", output.zMean), ("z_stdev", output.zStdev), ("avepool_feat", output.avepoolFeat),
            ("bn_crelu_feat", output.bnCreluFeat),
        ] {
            let expected = try NPYFile.read(module.appendingPathComponent("golden/encode.\(name).npy"))
            let actual = try backend.download(tensor)
            try #require(actual.shape == expected.shape, "\(name): \(actual.shape) vs \(expected.shape)")
            let e = ErrorStatistics(actual: actual.data, expected: expected.data)
            let range = (expected.data.max() ?? 0) - (expected.data.min() ?? 0)
            #expect(e.maxAbsolute <= 1e-4 * range && e.nmse <= 1e-9, "\(device) \(name): \(e)")
        }
    }
}
