import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("binary")
struct BinaryTests {
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let a = try cpu.upload(HostTensor(shape: [1, 3], data: [1, -2, 0.5]))
        let b = try cpu.upload(HostTensor(shape: [1, 3], data: [4, 3, -2]))
        #expect(try cpu.values(cpu.add(a, b)) == [5, 1, -1.5])
        #expect(try cpu.values(cpu.binary(a, b, .add(scale: 0.5))) == [3, -0.5, -0.5])
        #expect(try cpu.values(cpu.binary(a, b, .multiply)) == [4, -6, -1])
    }

    /// Exact: Vulkan requires correctly rounded + and ×, and the shader's `precise` keeps a + s·b from being
    /// fused into an fma, so both backends round the same two operations (the data has no denormals, which
    /// Vulkan may flush).
    @Test(arguments: [BinaryOp.add(scale: 1), .add(scale: 0.3), .add(scale: -2.5), .multiply])
    func parity(op: BinaryOp) throws {
        var rng = SeededRandom(seed: 31)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [5]] {
            try expectParity(
                [rng.normalTensor(shape, standardDeviation: 3), rng.normalTensor(shape, standardDeviation: 3)], .exact,
                "\(op) \(shape)"
            ) { b, t in
                try b.binary(t[0], t[1], op)
            }
        }
    }

    @Test func rejectsDifferentShapes() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let a = try b.upload(HostTensor(zeros: [2, 3]))
            let c = try b.upload(HostTensor(zeros: [3, 2]))
            #expect(throws: TensorError.self) { try b.binary(a, c, .multiply) }
            #expect(throws: TensorError.self) { try b.add(a, b.upload(HostTensor(zeros: [2, 3, 1]))) }
        }
    }
}
