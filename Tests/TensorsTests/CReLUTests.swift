import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("crelu")
struct CReLUTests {
    /// tf.nn.crelu order: all of relu(x), then all of relu(−x), per row.
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [2, 2], data: [-2, 3, 1, -4]))
        let y = try cpu.crelu(x)
        #expect(y.shape == [2, 4])
        #expect(try cpu.values(y) == [0, 3, 2, 0, 1, 0, 0, 4])
    }

    /// Exact: it only selects and negates values.
    @Test func parity() throws {
        var rng = SeededRandom(seed: 41)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [5], [1, 1, 1, 1]] {
            try expectParity([rng.normalTensor(shape)], .exact, "\(shape)") { b, t in try b.crelu(t[0]) }
        }
    }

    @Test func rejectsScalar() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            #expect(throws: TensorError.self) { try b.crelu(b.upload(HostTensor(zeros: []))) }
        }
    }
}
