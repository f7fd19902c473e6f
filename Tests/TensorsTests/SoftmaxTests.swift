import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("softmax")
struct SoftmaxTests {
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let y = try cpu.values(cpu.softmax(cpu.upload(HostTensor(shape: [1, 2], data: [0, Float(log(2.0))]))))
        #expect(abs(y[0] - 1.0 / 3) < 1e-7 && abs(y[1] - 2.0 / 3) < 1e-7)
        // Subtracting the row max keeps huge logits finite; rows are independent.
        let big = try cpu.values(cpu.softmax(cpu.upload(HostTensor(shape: [2, 2], data: [1000, 1000, -1000, 0]))))
        #expect(big == [0.5, 0.5, 0, 1])
    }

    /// Vulkan's exp is within 3 + 2·|x − max| ulp (|x − max| ≤ ~25 here, so ≲ 53 ulp ≈ 6e-6 relative), plus the
    /// fp32 tree sum (≤ log2 C ulp) and the reciprocal (2.5 ulp); the CPU sums in Double. So 1e-5 relative and,
    /// for outputs that underflow towards 0, 1e-12 absolute; NMSE 1e-10.
    static let tolerance = Tolerance(absolute: 1e-12, relative: 1e-5, nmse: 1e-10)

    @Test func parity() throws {
        var rng = SeededRandom(seed: 61)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [5], [2, 3, 1024], [1, 2, 3000], [4, 1]] {
            try expectParity([rng.normalTensor(shape, standardDeviation: 4)], Self.tolerance, "\(shape)") { b, t in
                try b.softmax(t[0])
            }
        }
    }

    /// 70 000 rows is more than 65 535 workgroups: the groups must stride over the remaining rows.
    @Test func moreRowsThanWorkgroups() throws {
        var rng = SeededRandom(seed: 62)
        try expectParity([rng.normalTensor([70_000, 3], standardDeviation: 4)], Self.tolerance, "70000 rows") { b, t in
            try b.softmax(t[0])
        }
    }

    @Test func rejectsEmptyAxis() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            #expect(throws: TensorError.self) { try b.softmax(b.upload(HostTensor(zeros: [2, 0]))) }
            #expect(throws: TensorError.self) { try b.softmax(b.upload(HostTensor(zeros: []))) }
        }
    }
}
