import BigBiGAN
import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

/// Whole models with fp16 storage (fp32 arithmetic) against the fp32 CPU reference with the same fp32 weights
/// and inputs, so the error includes rounding every weight, input and stored activation to half (≤ 2⁻¹¹ ≈ 4.9e-4
/// relative each, NMSE ≈ 5e-8 per rounding), compounded through 12–20 layers; with each conv/matmul kernel.
@Suite("fp16 storage models")
struct HalfStorageModelTests {
    /// Reduced generator (ch 4 and 8): measured on lavapipe max abs 3.5e-3–5.8e-3 on tanh images in [-1, 1],
    /// NMSE 1.7e-6–4.6e-6. We allow 2e-2 absolute and NMSE 2e-5 (3.4× and 4.3× the worst measured).
    @Test(arguments: [(4, 1, UInt64(0)), (4, 3, UInt64(1)), (8, 2, UInt64(2))])
    func generatorMatchesReference(ch: Int, batch: Int, seed: UInt64) throws {
        let config = GeneratorConfig(ch: ch)
        let z = try Latents.normal(count: batch, dimension: config.zDim, seed: seed)
        let cpu = CPUBackend()
        let expected = try cpu.download(
            Generator(config: config, weights: SyntheticWeights(seed: seed), backend: cpu)(cpu.upload(z)).image)
        for kernel in [KernelChoice.direct, .tiledGEMM] {
            let gpu = try TestDevice.vulkan(precision: .fp16)
            gpu.kernelChoice = kernel
            let actual = try gpu.download(
                Generator(config: config, weights: SyntheticWeights(seed: seed), backend: gpu)(gpu.upload(z)).image)
            let e = ErrorStatistics(actual: actual.data, expected: expected.data)
            #expect(e.maxAbsolute < 2e-2 && e.nmse < 2e-5, "ch \(ch) batch \(batch) \(kernel): \(e)")
        }
    }

    /// Reduced ResNet-50 encoder (width 32, 64²), calibrated synthetic weights: measured max abs 1.0e-3–3.8e-3
    /// (bn_crelu_feat worst) and NMSE 1.5e-7–2.0e-6 (z_mean worst). We allow 2.5e-2 absolute and NMSE 1.5e-5 (≈6.6× and
    /// 7.3×; set when the uncalibrated weights measured up to 6.0e-3 and 3.3e-6).
    @Test(arguments: [
        (1, UInt64(0), KernelChoice.direct), (3, UInt64(1), .direct), (1, UInt64(0), .tiledGEMM),
        (3, UInt64(1), .tiledGEMM),
    ])
    func resnetEncoderMatchesReference(batch: Int, seed: UInt64, kernel: KernelChoice) throws {
        let gpu = try TestDevice.vulkan(precision: .fp16)
        gpu.kernelChoice = kernel
        for (name, e) in try encoderOutputErrors(.reduced(.resnet50), batch: batch, seed: seed, gpu: gpu) {
            #expect(e.maxAbsolute < 2.5e-2 && e.nmse < 1.5e-5, "batch \(batch) \(kernel) \(name): \(e)")
        }
    }
}
