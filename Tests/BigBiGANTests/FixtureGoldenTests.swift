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
}
