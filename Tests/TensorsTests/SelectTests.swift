import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

/// `select` copies one of two stored elements, so both backends agree exactly (`Tolerance.exact`), with fp16 storage
/// too: the condition's test and the copy involve no arithmetic.
@Suite("select")
struct SelectTests {
    /// Nonzero conditions pick a, ±0 picks b, and NaN is not 0, so it picks a.
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let condition = try cpu.upload(HostTensor(shape: [7], data: [1, 0, -0.0, .nan, -3, 1e-30, .infinity]))
        let a = try cpu.upload(HostTensor(shape: [7], data: [10, 11, 12, 13, 14, 15, 16]))
        let b = try cpu.upload(HostTensor(shape: [7], data: [20, 21, 22, 23, 24, 25, 26]))
        #expect(try cpu.values(cpu.select(condition, a, b)) == [10, 21, 22, 13, 14, 15, 16])
    }

    @Test func broadcastShapes() throws {
        let cases: [(Shape, Shape, Shape, Shape)] = [
            ([2, 5, 7, 3], [], [], [2, 5, 7, 3]), ([2, 1, 1, 1], [2, 5, 7, 3], [3], [2, 5, 7, 3]),
            ([], [2, 3], [2, 3], [2, 3]), ([3, 1], [1, 4], [], [3, 4]), ([4, 1, 1], [3, 1], [5], [4, 3, 5]),
            ([0, 3], [1, 3], [3], [0, 3]), ([], [], [], []),
        ]
        for (condition, a, b, expected) in cases {
            #expect(try Select.outputShape(condition, a, b) == expected, "\(condition), \(a), \(b)")
            #expect(try Select.outputShape(b, condition, a) == expected, "\(b), \(condition), \(a)")
        }
        // neighbouring axes that broadcast alike for all three merge: [N·H·W, C] with a stretched along the first
        let merged = try Select.broadcast([2, 5, 7, 3], [3], [2, 5, 7, 3])
        #expect(merged.dims == [70, 3] && merged.aStrides == [0, 1] && merged.conditionStrides == [3, 1])
        #expect(merged.bStrides == [3, 1] && !merged.isElementwise)
        // a sample mask [N, 1, 1, 1]: [N, H·W·C] with the condition stretched along the second
        let mask = try Select.broadcast([2, 1, 1, 1], [2, 5, 7, 3], [2, 5, 7, 3])
        #expect(mask.dims == [2, 105] && mask.conditionStrides == [1, 0] && mask.aStrides == [105, 1])
        #expect(try Select.broadcast([1, 3], [3], [1, 1, 3]).isElementwise)
    }

    /// Where-masks, sample masks, scalar branches and an outer broadcast by hand; rank 5 against a loop over the
    /// output's coordinates.
    @Test func broadcastReferenceValues() throws {
        let cpu = CPUBackend()
        func apply(_ condition: HostTensor, _ a: HostTensor, _ b: HostTensor) throws -> HostTensor {
            try cpu.download(cpu.select(cpu.upload(condition), cpu.upload(a), cpu.upload(b)))
        }
        let ramp = { (shape: Shape) in try HostTensor(shape: shape, data: (0 ..< shape.count).map(Float.init)) }
        // where(x > 0, x, 0) as TensorFlow graphs write ReLU-like masks: a [2, 3] condition with scalar b
        let x = try HostTensor(shape: [2, 3], data: [-1, 2, 0, 4, -5, 6])
        let positive = try HostTensor(shape: [2, 3], data: x.data.map { $0 > 0 ? 1 : 0 })
        #expect(try apply(positive, x, HostTensor(shape: [], data: [0])).data == [0, 2, 0, 4, 0, 6])
        // a sample mask [2, 1, 1] picks whole samples
        let samples = try apply(
            HostTensor(shape: [2, 1, 1], data: [0, 1]), ramp([2, 2, 2]), HostTensor(zeros: [2, 2]))
        #expect(samples.shape == [2, 2, 2] && samples.data == [0, 0, 0, 0, 4, 5, 6, 7])
        // [3, 1] condition, [1, 4] a, [3, 1] b → [3, 4]
        let outer = try apply(
            HostTensor(shape: [3, 1], data: [1, 0, 1]), HostTensor(shape: [1, 4], data: [10, 20, 30, 40]),
            HostTensor(shape: [3, 1], data: [-1, -2, -3]))
        #expect(try outer == HostTensor(shape: [3, 4], data: [10, 20, 30, 40, -2, -2, -2, -2, 10, 20, 30, 40]))
        // a scalar condition picks all of one side
        #expect(
            try apply(HostTensor(shape: [], data: [0]), ramp([2, 2]), HostTensor(shape: [2], data: [7, 8])).data == [
                7, 8, 7, 8,
            ])
        // rank 5: [2,1,3,1,1] ? [4,1,6,1] : [5] → [2,4,3,6,5]
        let condition = try HostTensor(shape: [2, 1, 3, 1, 1], data: [1, 0, 1, 0, 0, 1])
        let (a, b) = (try ramp([4, 1, 6, 1]), try HostTensor(shape: [5], data: [-1, -2, -3, -4, -5]))
        let y = try apply(condition, a, b)
        #expect(y.shape == [2, 4, 3, 6, 5])
        var expected: [Float] = []
        for n in 0 ..< 2 {
            for i in 0 ..< 4 {
                for j in 0 ..< 3 {
                    for k in 0 ..< 6 {
                        for l in 0 ..< 5 { expected.append(condition[n, 0, j, 0, 0] != 0 ? a[i, 0, k, 0] : b[l]) }
                    }
                }
            }
        }
        #expect(y.data == expected)
    }

    @Test func rejectsBadCalls() throws {
        for backend in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try backend.upload(HostTensor(zeros: [2, 3]))
            #expect(throws: TensorError.self) { try backend.select(backend.upload(HostTensor(zeros: [3, 2])), x, x) }
            #expect(throws: TensorError.self) { try backend.select(x, backend.upload(HostTensor(zeros: [2])), x) }
            #expect(throws: TensorError.self) { try backend.select(x, x, backend.upload(HostTensor(zeros: [3, 3]))) }
            #expect(throws: TensorError.self) {
                try backend.select(CPUBackend().upload(HostTensor(zeros: [2, 3])), x, x)
            }
        }
        do {
            _ = try Select.outputShape([4, 2, 3], [1, 3], [5, 1, 1])
            Issue.record("[4,2,3], [1,3] and [5,1,1] broadcast")
        } catch let error as TensorError {
            #expect(
                "\(error)"
                    == "select: shape mismatch: [4,2,3], [1,3] and [5,1,1] do not broadcast: sizes 4, 1 and 5 at axis "
                    + "-3 (counted from the last); each axis needs equal sizes or a 1")
        }
        // seven axes that alternate which operand is stretched cannot merge below seven
        #expect(throws: TensorError.self) {
            try Select.outputShape([2, 1, 2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2, 1], [2, 1, 2, 1, 2, 1, 2])
        }
    }

    /// Operands: a condition of 1, 0, −0, −2 and NaN (a fifth each), and distinct normal values in a and b.
    static func operands(_ condition: Shape, _ a: Shape, _ b: Shape, _ rng: inout SeededRandom) -> [HostTensor] {
        var mask = HostTensor(zeros: condition)
        let choices: [Float] = [1, 0, -0.0, -2, .nan]
        for i in mask.data.indices { mask.data[i] = choices[Int(rng.next() % 5)] }
        return [mask, rng.normalTensor(a, standardDeviation: 3), rng.normalTensor(b, standardDeviation: 3)]
    }

    /// Shape triples: equal shapes, the executor's masks, every pattern of stretched operands, and random triples of
    /// ranks 1–5 (each axis full or 1 per operand; leading axes dropped from one operand).
    static func triples(seed: UInt64) -> [(Shape, Shape, Shape)] {
        var triples: [(Shape, Shape, Shape)] = [
            ([1, 7], [1, 7], [1, 7]), ([3, 5, 7, 3], [3, 5, 7, 3], [3, 5, 7, 3]), ([2, 9, 11, 13], [], []),
            ([2, 1, 1, 1], [2, 5, 7, 3], [2, 5, 7, 3]), ([2, 5, 7, 3], [3], [2, 1, 1, 3]), ([], [3, 4], [3, 4]),
            ([3, 1], [1, 4], [3, 1]), ([2, 1, 3, 1, 5], [4, 1, 6, 1], [5]), ([2, 3, 1, 4, 1, 5], [3, 2, 1, 2, 1], []),
            ([5, 1], [1, 6], [5, 6]),
        ]
        var rng = SeededRandom(seed: seed)
        for _ in 0 ..< 8 {
            var dims: [[Int]] = [[], [], []]
            for _ in 0 ..< 1 + Int(rng.next() % 5) {
                let size = 2 + Int(rng.next() % 5)
                let full = 1 + Int(rng.next() % 7)  // bits: which operands have the full size (at least one)
                for operand in 0 ..< 3 { dims[operand].append(full & (1 << operand) != 0 ? size : 1) }
            }
            let shortened = Int(rng.next() % 3)
            dims[shortened] = Array(dims[shortened].dropFirst(Int(rng.next() % UInt64(dims[shortened].count + 1))))
            triples.append((Shape(dims[0]), Shape(dims[1]), Shape(dims[2])))
        }
        return triples
    }

    @Test func parity() throws {
        var rng = SeededRandom(seed: 53)
        for (condition, a, b) in Self.triples(seed: 59) {
            try expectParity(Self.operands(condition, a, b, &rng), .exact, "\(condition), \(a), \(b)") { b, t in
                try b.select(t[0], t[1], t[2])
            }
        }
    }

    /// fp16 storage: the element picked is the stored half, as the reference picks the rounded value.
    @Test func halfStorageIsExact() throws {
        var rng = SeededRandom(seed: 61)
        for (condition, a, b) in Self.triples(seed: 67) {
            try expectHalfParity(Self.operands(condition, a, b, &rng), .exact, "\(condition), \(a), \(b)") { b, t in
                try b.select(t[0], t[1], t[2])
            }
        }
    }

    /// NaN conditions pick a on the device too (the shader tests the bits, not a float comparison), and NaN and
    /// infinite values of a and b are copied bit for bit, with either precision.
    @Test(arguments: [Precision.fp32, .fp16])
    func nonFiniteOnDevice(precision: Precision) throws {
        let gpu = try TestDevice.vulkan(precision: precision)
        let condition = try HostTensor(shape: [6], data: [.nan, -.nan, 0, -0.0, .infinity, 1])
        let a = try HostTensor(shape: [6], data: [1, 2, 3, 4, .nan, -.infinity])
        let b = try HostTensor(shape: [6], data: [-1, -2, .infinity, -.nan, -5, -6])
        let y = try gpu.values(gpu.select(gpu.upload(condition), gpu.upload(a), gpu.upload(b)))
        #expect(y[0] == 1 && y[1] == 2 && y[2] == .infinity && y[3].isNaN && y[4].isNaN && y[5] == -.infinity, "\(y)")
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB maxStorageBufferRange: the output and the full-size operand are bound
    /// row chunk by row chunk, while [3, 1] (addressed through its offset) and [12000000] (stretched along the rows)
    /// are bound whole.
    @Test func broadcastLargerThanBindingRangeIsSplit() throws {
        let n = 12_000_000
        let condition = try HostTensor(shape: [3, n], data: (0 ..< 3 * n).map { Float($0 % 3 == 0 ? 0 : $0 % 7) })
        let rows = try HostTensor(shape: [3, 1], data: [2, -1, 0.5])
        let columns = try HostTensor(shape: [n], data: (0 ..< n).map { Float($0 % 89) })
        try expectParity([condition, rows, columns], .exact, "[3, 12M] ? [3, 1] : [12M]") { b, t in
            try b.select(t[0], t[1], t[2])
        }
    }
}
