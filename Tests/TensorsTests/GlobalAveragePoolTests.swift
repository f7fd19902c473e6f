import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("globalAveragePool")
struct GlobalAveragePoolTests {
    /// [2, 2, 3, 2]: channel 0 of sample 0 is 0…5 (mean 2.5), channel 1 is 10·that (25); sample 1 is negated.
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let sample = (0 ..< 6).flatMap { [Float($0), Float(10 * $0)] }
        let x = try cpu.upload(HostTensor(shape: [2, 2, 3, 2], data: sample + sample.map { -$0 }))
        let y = try cpu.download(cpu.globalAveragePool(x))
        #expect(y.shape == [2, 2] && y.data == [2.5, 25, -2.5, -25])
    }

    /// The shader sums each row in fp32 and then the row sums, the reference sums in Double. The fp32 error is
    /// ≲ (W + H) roundings of partial sums ≤ Σ|x|, so relative to mean|x| it is ≲ (H + W)·2⁻²⁴ ≈ 8e-6 at 64×64,
    /// typically √ of that. Inputs are ReLU-like (uniform 0…2, where GAP sits in ResNet), so means are O(1)
    /// and a relative bound applies: 1e-5 relative + 1e-7 absolute, NMSE 1e-12 (measured: ≤ 1.8e-7 relative).
    @Test func parity() throws {
        var rng = SeededRandom(seed: 41)
        for shape: Shape in [[1, 1, 1, 3], [1, 7, 5, 3], [3, 4, 9, 5], [2, 64, 64, 5], [1, 8, 8, 67]] {
            try expectParity(
                [rng.uniformTensor(shape, in: 0 ..< 2)], Tolerance(absolute: 1e-7, relative: 1e-5, nmse: 1e-12),
                "\(shape)"
            ) { b, t in
                try b.globalAveragePool(t[0])
            }
        }
    }

    @Test func rejectsBadCalls() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let flat = try backend.upload(HostTensor(zeros: [2, 3]))
            let empty = try backend.upload(HostTensor(zeros: [1, 0, 4, 2]))
            #expect(throws: TensorError.self) { try backend.globalAveragePool(flat) }
            #expect(throws: TensorError.self) { try backend.globalAveragePool(empty) }
        }
    }
}
