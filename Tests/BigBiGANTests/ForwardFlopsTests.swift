import BigBiGAN
import Tensors
import TensorsVulkan
import TestSupport
import Testing
import VulkanCompute

/// A forward pass's FLOPs are the sum of what its dispatches declare (`CommandTiming.flops`), which `bigbigan bench`
/// reports; nothing counts them a second time. These tests pin what that sum must be.
@Suite("Forward FLOPs")
struct ForwardFlopsTests {
    /// Runs `forward` on a new timing backend and returns the timings of its submission.
    private func timings(_ options: VulkanBackend.Options = .init(), _ forward: (VulkanBackend) throws -> Void) throws
        -> [CommandTiming]
    {
        var options = options
        options.timing = true
        let gpu = try TestDevice.vulkan(options)
        try forward(gpu)
        return gpu.lastTimings
    }

    private func generatorTimings(batch: Int, winograd: WinogradChoice) throws -> [CommandTiming] {
        try timings(.init(winograd: winograd)) { gpu in
            let config = GeneratorConfig(ch: 4)
            let generator = try Generator(config: config, weights: ZeroWeights(), backend: gpu)
            _ = try gpu.download(generator(gpu.upload(HostTensor(zeros: [batch, config.zDim]))).image)
        }
    }

    private func total(_ timings: [CommandTiming]) -> Double { timings.reduce(0) { $0 + $1.flops } }

    /// Winograd products declare the direct convolution's FLOPs, so a forward counts the same either way (and
    /// GFLOP/s stay comparable); only the order of the sum differs.
    @Test func winogradCountsAsTheDirectConvolution() throws {
        let direct = try generatorTimings(batch: 2, winograd: .never)
        let winograd = try generatorTimings(batch: 2, winograd: .always)
        #expect(
            winograd.contains { $0.label == "conv2d_winograd.product" }
                && !direct.contains { $0.label.hasPrefix("conv2d_winograd") })
        #expect(total(direct) > 0)
        #expect(
            abs(total(winograd) - total(direct)) <= 1e-12 * total(direct),
            "Winograd \(total(winograd)), direct \(total(direct))")
    }

    /// Every op of the generator works per sample, so its FLOPs scale with the batch.
    @Test func generatorFlopsScaleWithTheBatch() throws {
        let one = total(try generatorTimings(batch: 1, winograd: .automatic))
        let three = total(try generatorTimings(batch: 3, winograd: .automatic))
        #expect(one > 0)
        #expect(abs(three - 3 * one) <= 1e-12 * three, "batch 3: \(three), batch 1: \(one)")
    }

    /// The released trunks' convolutions declare the documented multiply-adds at 256×256 (docs/released-modules.md:
    /// ≈ 5.3 GMAC under ResNet-50 trunk, ≈ 20.7 GMAC under RevNet-50×4 trunk). Run at 64×64, 16× fewer pixels: every
    /// stride divides 64 evenly, so each convolution's output, and its FLOPs, shrink exactly 16×.
    @Test(arguments: [(EncoderArchitecture.resnet50, 5.3e9), (.revnet50x4, 20.7e9)])
    func releasedTrunksDeclareTheSpecsMultiplyAdds(architecture: EncoderArchitecture, multiplyAdds: Double) throws {
        var config = try EncoderConfig.matching(architecture, weights: ZeroWeights())
        config.resolution = 64
        let timings = try timings { gpu in
            let encoder = try Encoder(config: config, weights: ZeroWeights(), backend: gpu)
            _ = try gpu.download(encoder(gpu.upload(HostTensor(zeros: [1, 64, 64, 3])), noiseSeed: 0).zSample)
        }
        let trunk = total(timings.filter { $0.label.hasPrefix("conv2d") })
        let head = total(timings.filter { $0.label.hasPrefix("matmul") })
        #expect(
            abs(16 * trunk / 2 - multiplyAdds) / multiplyAdds < 0.02,
            "\(architecture): \(16 * trunk / 2) multiply-adds at 256×256")
        #expect(head > 0, "the head's linear layers declare their FLOPs too")
    }
}
