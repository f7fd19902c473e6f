import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("matmul")
struct MatMulTests {
    private func product(
        _ a: HostTensor, _ b: HostTensor, bias: HostTensor? = nil, _ options: MatMulOptions = MatMulOptions()
    ) throws -> HostTensor {
        let cpu = CPUBackend()
        return try cpu.download(
            cpu.matmul(cpu.upload(a), cpu.upload(b), bias: bias.map { try cpu.upload($0) }, options: options))
    }

    @Test func referenceValues() throws {
        let a = try HostTensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = try HostTensor(shape: [3, 2], data: [1, -1, 0, 2, -2, 0.5])
        // [[1 + 0 − 6, −1 + 4 + 1.5], [4 + 0 − 12, −4 + 10 + 3]]
        #expect(try product(a, b).data == [-5, 4.5, -8, 9])
        let bT = try HostTensor(shape: [2, 3], data: [1, 0, -2, -1, 2, 0.5])
        #expect(try product(a, bT, MatMulOptions(transposeB: true)).data == [-5, 4.5, -8, 9])
        let bias = try HostTensor(shape: [2], data: [6, -10])
        #expect(try product(a, b, bias: bias, MatMulOptions(activation: .relu)).data == [1, 0, 0, 0])
    }

    /// Batched a with a shared b and with a per-item b.
    @Test func referenceBatched() throws {
        let a = try HostTensor(shape: [2, 1, 2], data: [1, 2, 3, 4])
        let shared = try HostTensor(shape: [2, 1], data: [10, 1])
        #expect(try product(a, shared).data == [12, 34])
        let batched = try HostTensor(shape: [2, 2, 1], data: [10, 1, 1, 10])
        #expect(try product(a, batched).data == [12, 43])
    }

    /// Parity tolerance for K-term dot products. Both sides accumulate in fp32 in different orders (CPU: a
    /// running sum, bias first unless b is transposed; GPU: BK-wide tiles, bias last, fused multiply-add where
    /// the driver fuses), so outputs differ by ~√K·ulp·Σ|a·b| (worst case K·ulp·Σ|a·b|). Inputs are N(0,1)
    /// and b is N(0,1/K), so outputs are O(1–3). Measured on lavapipe: max abs 1.7e-6 at K = 120, NMSE ≤ 5.5e-14.
    /// We allow the worst-case 2·K·ulp absolute (2.4e-7·K: 2.9e-5 at K = 120, 17× the measured error),
    /// 1e-5 relative, and NMSE 1e-11 (> 100× margin).
    static func tolerance(k: Int) -> Tolerance {
        Tolerance(absolute: 2 * Float(k) * Float.ulpOfOne, relative: 1e-5, nmse: 1e-11)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int? = nil
        var m: Int, k: Int, n: Int
        var batchedB = false, transposeB = false, bias = false, relu = false
        var testDescription: String {
            "\(batch.map { "\($0)×" } ?? "")\(m)×\(k)·\(k)×\(n)\(batchedB ? " batched" : "")\(transposeB ? " ᵀ" : "")\(bias ? " +b" : "")\(relu ? " relu" : "")"
        }
    }

    static let cases: [Case] = [
        Case(m: 1, k: 7, n: 5),
        Case(m: 5, k: 13, n: 3, bias: true, relu: true),
        Case(m: 4, k: 120, n: 1000, bias: true),  // a linear layer: small M
        Case(batch: 3, m: 7, k: 33, n: 70, bias: true),  // shared b
        Case(batch: 3, m: 67, k: 24, n: 65, batchedB: true, transposeB: true),
        Case(batch: 2, m: 130, k: 100, n: 17, batchedB: true, relu: true),
        Case(batch: 2, m: 17, k: 29, n: 129, transposeB: true, bias: true),  // shared transposed b
        Case(batch: 2, m: 256, k: 24, n: 64, batchedB: true, transposeB: true),  // attention logits
        Case(batch: 2, m: 256, k: 64, n: 24, batchedB: true),  // attention · values
        // ≥ 129 rows and columns: 128-wide tiles with 8×8 micro-tiles on devices with few compute units.
        Case(batch: 2, m: 200, k: 36, n: 260, transposeB: true, bias: true, relu: true),  // vec4 everywhere
        Case(m: 150, k: 29, n: 133, bias: true),  // floats everywhere
    ]

    /// Vulkan against the reference with M, N, K off the tile sizes, shared and batched b, transposed b.
    @Test(arguments: cases, [KernelChoice.tiledGEMM, .direct])
    func parity(c: Case, kernel: KernelChoice) throws {
        try expectParity(
            c.inputs(seed: UInt64(c.m * 1000 + c.k * 10 + c.n)), Self.tolerance(k: c.k),
            "\(c.testDescription) \(kernel)",
            configure: { $0.kernelChoice = kernel }, c.apply)
    }

    /// Products big enough for 128×128 tiles (8×8 micro-tiles) on any device, even one with many compute units,
    /// with vec4 loads (K, N multiples of 4) and with floats.
    @Test(arguments: [
        Case(m: 2048, k: 12, n: 2056, bias: true), Case(m: 2050, k: 13, n: 2050, transposeB: true, relu: true),
    ])
    func largeTileParity(c: Case) throws {
        var rng = SeededRandom(seed: UInt64(c.m + c.k))
        let a = rng.normalTensor([c.m, c.k])
        let b = rng.normalTensor(
            c.transposeB ? [c.n, c.k] : [c.k, c.n], standardDeviation: 1 / Float(c.k).squareRoot())
        let options = MatMulOptions(transposeB: c.transposeB, activation: c.relu ? .relu : .none)
        let inputs = [a, b] + (c.bias ? [rng.normalTensor([c.n], standardDeviation: 0.5)] : [])
        try expectParity(inputs, Self.tolerance(k: c.k), c.testDescription, configure: { $0.kernelChoice = .tiledGEMM })
        { backend, t in
            try backend.matmul(t[0], t[1], bias: c.bias ? t[2] : nil, options: options)
        }
    }

    /// More batch items than 65535 workgroups in z: the dispatch is split, with either kernel.
    @Test(arguments: [KernelChoice.tiledGEMM, .direct])
    func batchBeyondWorkgroupLimit(kernel: KernelChoice) throws {
        var rng = SeededRandom(seed: 3)
        let a = rng.normalTensor([70_000, 1, 2])
        let b = rng.normalTensor([70_000, 2, 3])
        try expectParity([a, b], Self.tolerance(k: 2), configure: { $0.kernelChoice = kernel }) { backend, t in
            try backend.matmul(t[0], t[1], bias: nil, options: MatMulOptions())
        }
    }

    @Test func rejectsBadArguments() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            func expectError(_ a: Shape, _ b: Shape, bias: Shape? = nil, transposeB: Bool = false) throws {
                let at = try backend.upload(HostTensor(zeros: a))
                let bt = try backend.upload(HostTensor(zeros: b))
                let biasT = try bias.map { try backend.upload(HostTensor(zeros: $0)) }
                #expect(throws: TensorError.self, "\(a) \(b) \(String(describing: bias)) \(transposeB)") {
                    try backend.matmul(at, bt, bias: biasT, options: MatMulOptions(transposeB: transposeB))
                }
            }
            try expectError([2, 3], [4, 5])  // K mismatch
            try expectError([2, 3], [5, 4], transposeB: true)  // K mismatch, transposed
            try expectError([2, 2, 3], [3, 3, 5])  // batch mismatch
            try expectError([2, 3], [2, 3, 5])  // batched b with unbatched a
            try expectError([2, 3], [3, 5], bias: [4])  // bias length
            try expectError([3], [3, 5])  // a rank
            try expectError([1, 2, 2, 3], [3, 5])  // a rank
            try expectError([2, 0], [0, 5])  // K = 0
            let foreign = try CPUBackend().upload(HostTensor(zeros: [3, 5]))
            let a = try backend.upload(HostTensor(zeros: [2, 3]))
            #expect(throws: TensorError.self) { try backend.matmul(a, foreign, bias: nil, options: MatMulOptions()) }
        }
    }
}

extension MatMulTests.Case {
    /// a ~ N(0, 1) and b ~ N(0, 1/K) in the case's layout, then the bias when the case has one.
    func inputs(seed: UInt64) -> [HostTensor] {
        var rng = SeededRandom(seed: seed)
        let batchDims = batch.map { [$0] } ?? []
        let bDims = transposeB ? [n, k] : [k, n]
        var tensors = [
            rng.normalTensor(Shape(batchDims + [m, k])),
            rng.normalTensor(Shape((batchedB ? batchDims : []) + bDims), standardDeviation: 1 / Float(k).squareRoot()),
        ]
        if bias { tensors.append(rng.normalTensor([n], standardDeviation: 0.5)) }
        return tensors
    }

    /// The case's product of tensors made from `inputs`.
    func apply(_ backend: any Backend, _ t: [Tensor]) throws -> Tensor {
        try backend.matmul(
            t[0], t[1], bias: bias ? t[2] : nil,
            options: MatMulOptions(transposeB: transposeB, activation: relu ? .relu : .none))
    }
}
