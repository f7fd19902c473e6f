import Foundation
import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

@Suite("unary")
struct UnaryTests {
    /// The reference against hand-computed values.
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 5], data: [-1, 0, 0.5, 20, -20]))
        #expect(try cpu.values(cpu.unary(x, .relu)) == [0, 0, 0.5, 20, 0])
        let t = try cpu.values(cpu.unary(x, .tanh))
        #expect(abs(t[2] - 0.46211716) < 1e-7 && t[3] == 1 && t[4] == -1 && t[1] == 0)
        let s = try cpu.values(cpu.unary(x, .softplus))
        #expect(abs(s[1] - 0.69314718) < 1e-7)  // ln 2
        #expect(abs(s[0] - 0.31326169) < 1e-7)  // ln(1 + e⁻¹)
        #expect(s[3] == 20)  // 20 + ln(1 + e⁻²⁰) rounds to 20 in fp32
        #expect(abs(s[4] - 2.0611537e-9) < 1e-15)  // e⁻²⁰ to first order, no underflow to 0
    }

    /// Vulkan against the reference. ReLU only selects, so it is exact. tanh, exp and log are ≤ a few ulp in
    /// Vulkan's precision rules (exp/log: 3 + 2·|x| ulp), hence 1e-6 absolute + 1e-5 relative and NMSE 1e-10.
    @Test(arguments: [UnaryOp.relu, .tanh, .softplus])
    func parity(op: UnaryOp) throws {
        var rng = SeededRandom(seed: UInt64(op.rawValue) + 1)
        let tolerance = op == .relu ? Tolerance.exact : Tolerance(absolute: 1e-6, relative: 1e-5, nmse: 1e-10)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [1, 1]] {
            let x = rng.normalTensor(shape, standardDeviation: 6)
            try expectParity([x], tolerance, "\(op) \(shape)") { b, t in try b.unary(t[0], op) }
        }
    }

    /// More elements than 65535 workgroups × 256 invocations: the grid-stride loop must cover them all.
    /// (A grid folded into y rows gave wrong results here on lavapipe 22.3.)
    @Test func largeLaunchCoversEveryElement() throws {
        let x = try HostTensor(shape: [1, 17_000_000], data: (0 ..< 17_000_000).map { Float($0 % 1001) - 500 })
        try expectParity([x], .exact, "relu 17M") { b, t in try b.unary(t[0], .relu) }
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB maxStorageBufferRange, so the dispatch is split by batch.
    @Test func tensorLargerThanBindingRangeIsSplit() throws {
        let x = try HostTensor(shape: [3, 12_000_000], data: (0 ..< 36_000_000).map { Float($0 % 997) - 498 })
        try expectParity([x], .exact, "relu 3×12M") { b, t in try b.unary(t[0], .relu) }
    }

    @Test func rejectsForeignTensor() throws {
        let cpu = CPUBackend()
        let other = CPUBackend()
        let x = try other.upload(HostTensor(zeros: [1, 2]))
        #expect(throws: TensorError.self) { try cpu.unary(x, .relu) }
    }
}

/// Uploads and downloads through staging buffers, the path GPUs with unmappable device memory take.
@Suite("staging transfers")
struct StagingTransferTests {
    @Test func roundTripAndOpsThroughStaging() throws {
        var rng = SeededRandom(seed: 77)
        let x = rng.normalTensor([3, 5, 7, 2])
        var options = VulkanBackend.Options()
        options.alwaysStage = true
        let gpu = try TestDevice.vulkan(options)
        let t = try gpu.upload(x)
        #expect(try gpu.download(t) == x)
        let y = try gpu.download(gpu.unary(gpu.upload(x), .relu))
        #expect(y.data == x.data.map { max($0, 0) })
        let (a, b) = (try gpu.upload(x), try gpu.unary(gpu.upload(x), .relu))
        let submissions = gpu.resourceCounters.submissions
        #expect(try gpu.download([a, b]) == [x, y])
        #expect(gpu.resourceCounters.submissions == submissions + 1, "several tensors come back with one submission")
        #expect(try gpu.download(gpu.upload(HostTensor(zeros: [0, 4]))).shape == [0, 4])
        let mapped = try TestDevice.vulkan()
        #expect(
            try mapped.download(mapped.upload(HostTensor(zeros: [0, 4]))).shape == [0, 4],
            "empty tensors on the mapped path too")
    }
}
