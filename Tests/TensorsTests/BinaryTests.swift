import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("binary")
struct BinaryTests {
    static let ops: [BinaryOp] = [
        .add(scale: 1), .add(scale: 0.3), .add(scale: -2.5), .subtract, .multiply, .divide,
        .maximum, .minimum, .greater, .greaterEqual, .less, .lessEqual, .equal, .notEqual,
    ]

    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let a = try cpu.upload(HostTensor(shape: [1, 4], data: [1, -2, 0.5, 6]))
        let b = try cpu.upload(HostTensor(shape: [1, 4], data: [4, 3, -2, -3]))
        #expect(try cpu.values(cpu.add(a, b)) == [5, 1, -1.5, 3])
        #expect(try cpu.values(cpu.binary(a, b, .add(scale: 0.5))) == [3, -0.5, -0.5, 4.5])
        #expect(try cpu.values(cpu.binary(a, b, .subtract)) == [-3, -5, 2.5, 9])
        #expect(try cpu.values(cpu.binary(a, b, .multiply)) == [4, -6, -1, -18])
        #expect(try cpu.values(cpu.binary(a, b, .divide)) == [0.25, -2 / Float(3), -0.25, -2])
        #expect(try cpu.values(cpu.binary(a, b, .maximum)) == [4, 3, 0.5, 6])
        #expect(try cpu.values(cpu.binary(a, b, .minimum)) == [1, -2, -2, -3])
        #expect(try cpu.values(cpu.binary(a, b, .greater)) == [0, 0, 1, 1])
        #expect(try cpu.values(cpu.binary(a, a, .greaterEqual)) == [1, 1, 1, 1])
        #expect(try cpu.values(cpu.binary(a, b, .less)) == [1, 1, 0, 0])
        #expect(try cpu.values(cpu.binary(b, a, .lessEqual)) == [0, 0, 1, 1])
        #expect(try cpu.values(cpu.binary(a, a, .equal)) == [1, 1, 1, 1])
        #expect(try cpu.values(cpu.binary(a, b, .notEqual)) == [1, 1, 1, 1])
    }

    /// IEEE 754 results, as TensorFlow gives: x/0 is a signed infinity, 0/0 NaN; maximum and minimum propagate NaN
    /// whichever side it is on.
    @Test func referenceNonFinite() throws {
        let cpu = CPUBackend()
        let a = try cpu.upload(HostTensor(shape: [5], data: [1, -1, 0, .nan, 2]))
        let b = try cpu.upload(HostTensor(shape: [5], data: [0, 0, 0, 1, .nan]))
        let quotient = try cpu.values(cpu.binary(a, b, .divide))
        #expect(quotient[0] == .infinity && quotient[1] == -.infinity && quotient[2].isNaN)
        for op in [BinaryOp.maximum, .minimum] {
            let y = try cpu.values(cpu.binary(a, b, op))
            #expect(y[3].isNaN && y[4].isNaN, "\(op)")
        }
        // A comparison with NaN is false, except ≠.
        for op in [BinaryOp.greater, .greaterEqual, .less, .lessEqual, .equal] {
            let y = try cpu.values(cpu.binary(a, b, op))
            #expect(y[3] == 0 && y[4] == 0, "\(op)")
        }
        #expect(try cpu.values(cpu.binary(a, b, .notEqual)) == [1, 1, 0, 1, 1])
    }

    @Test func broadcastShapes() throws {
        let cases: [(Shape, Shape, Shape)] = [
            ([2, 5, 7, 3], [3], [2, 5, 7, 3]), ([2, 1, 1, 3], [2, 5, 7, 3], [2, 5, 7, 3]), ([], [2, 3], [2, 3]),
            ([3, 1], [1, 4], [3, 4]), ([2, 1, 3, 1, 5], [4, 1, 6, 1], [2, 4, 3, 6, 5]), ([0, 3], [1, 3], [0, 3]),
            ([1], [0], [0]), ([2, 3], [2, 3], [2, 3]),
        ]
        for (a, b, expected) in cases {
            #expect(try Binary.outputShape(a, b) == expected, "\(a) with \(b)")
            #expect(try Binary.outputShape(b, a) == expected, "\(b) with \(a)")
        }
        // neighbouring axes that broadcast alike merge: [N·H·W, C] with b stretched along the first
        let merged = try Binary.broadcast([2, 5, 7, 3], [3])
        #expect(merged.dims == [70, 3] && merged.aStrides == [3, 1] && merged.bStrides == [0, 1])
        #expect(try Binary.broadcast([2, 1, 1, 3], [2, 5, 7, 3]).dims == [2, 35, 3])
        #expect(try Binary.broadcast([1, 3], [3]).isElementwise)
        #expect(try !Binary.broadcast([3, 1], [3]).isElementwise)
    }

    /// The cases the graph executor meets (bias over channels, per-sample scales, scalars, outer sums, rank 5),
    /// against hand-computed values and, for rank 5, against a loop over the output's coordinates.
    @Test func broadcastReferenceValues() throws {
        let cpu = CPUBackend()
        func apply(_ a: HostTensor, _ b: HostTensor, _ op: BinaryOp) throws -> HostTensor {
            try cpu.download(cpu.binary(cpu.upload(a), cpu.upload(b), op))
        }
        let ramp = { (shape: Shape) in try HostTensor(shape: shape, data: (0 ..< shape.count).map(Float.init)) }
        // [N,H,W,C] + [C]
        let bias = try apply(ramp([1, 2, 2, 3]), HostTensor(shape: [3], data: [10, 20, 30]), .add(scale: 1))
        #expect(bias.shape == [1, 2, 2, 3] && bias.data == [10, 21, 32, 13, 24, 35, 16, 27, 38, 19, 30, 41])
        // [N,1,1,C] · [N,H,W,C]
        let scales = try HostTensor(shape: [2, 1, 1, 3], data: [1, 2, 3, 4, 5, 6])
        let scaled = try apply(scales, ramp([2, 2, 2, 3]), .multiply)
        #expect(
            scaled.data == [
                0, 2, 6, 3, 8, 15, 6, 14, 24, 9, 20, 33, 48, 65, 84, 60, 80, 102, 72, 95, 120, 84, 110, 138,
            ])
        // a scalar on either side
        let scalar = try HostTensor(shape: [], data: [2])
        let matrix = try HostTensor(shape: [2, 2], data: [1, 2, 3, 4])
        #expect(try apply(scalar, matrix, .subtract) == HostTensor(shape: [2, 2], data: [1, 0, -1, -2]))
        #expect(try apply(matrix, scalar, .divide) == HostTensor(shape: [2, 2], data: [0.5, 1, 1.5, 2]))
        // [3,1] + [1,4]
        let outer = try apply(
            HostTensor(shape: [3, 1], data: [1, 2, 3]), HostTensor(shape: [1, 4], data: [10, 20, 30, 40]),
            .add(scale: 1))
        #expect(try outer == HostTensor(shape: [3, 4], data: [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43]))
        // rank 5: [2,1,3,1,5] − [4,1,6,1] → [2,4,3,6,5]
        let (a, b) = (try ramp([2, 1, 3, 1, 5]), try ramp([4, 1, 6, 1]))
        let y = try apply(a, b, .subtract)
        #expect(y.shape == [2, 4, 3, 6, 5])
        var expected: [Float] = []
        for n in 0 ..< 2 {
            for i in 0 ..< 4 {
                for j in 0 ..< 3 {
                    for k in 0 ..< 6 {
                        for l in 0 ..< 5 { expected.append(a[n, 0, j, 0, l] - b[i, 0, k, 0]) }
                    }
                }
            }
        }
        #expect(y.data == expected)
        #expect(y[1, 3, 2, 5, 4] == 29 - 23)  // a[1,0,2,0,4] = 1·15 + 2·5 + 4, b[3,0,5,0] = 3·6 + 5
    }

    @Test func rejectsShapesThatDoNotBroadcast() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let a = try b.upload(HostTensor(zeros: [2, 3]))
            #expect(throws: TensorError.self) { try b.binary(a, b.upload(HostTensor(zeros: [3, 2])), .multiply) }
            #expect(throws: TensorError.self) { try b.add(a, b.upload(HostTensor(zeros: [2, 3, 1]))) }
            #expect(throws: TensorError.self) { try b.binary(a, b.upload(HostTensor(zeros: [2])), .divide) }
        }
        do {
            _ = try Binary.outputShape([4, 2, 3], [5, 1, 3])
            Issue.record("[4,2,3] and [5,1,3] broadcast")
        } catch let error as TensorError {
            #expect(
                "\(error)"
                    == "binary: shape mismatch: [4,2,3] and [5,1,3] do not broadcast: sizes 4 and 5 at axis -3 "
                    + "(counted from the last); each axis needs equal sizes or a 1")
        }
        // seven axes that alternate which operand is stretched cannot merge below seven
        #expect(throws: TensorError.self) { try Binary.outputShape([2, 1, 2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2, 1]) }
        #expect(try Binary.broadcast([2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2]).dims.count == 6)
    }

    /// Operands per op: divisors kept in 0.25 ≤ |b| < 4, far inside division's precise range [2⁻¹²⁶, 2¹²⁶].
    static func operands(_ op: BinaryOp, _ a: Shape, _ b: Shape, _ rng: inout SeededRandom) -> [HostTensor] {
        var divisor = rng.uniformTensor(b, in: 0.25 ..< 4)
        for i in divisor.data.indices where rng.next() % 2 == 0 { divisor.data[i].negate() }
        return [rng.normalTensor(a, standardDeviation: 3), op == .divide ? divisor : rng.normalTensor(b)]
    }

    /// Add, subtract, multiply, maximum, minimum and the comparisons are exact: Vulkan requires correctly rounded + − × and the
    /// shader's `precise` keeps a + s·b from being fused into an fma, so both backends round the same operations
    /// (the data has no subnormals, which Vulkan may flush). Division is within 2.5 ulp in Vulkan's precision table
    /// ("Precision and Operation of SPIR-V Instructions"), correctly rounded on the CPU.
    static func tolerance(_ op: BinaryOp) -> Tolerance { op == .divide ? .ulps(2.5) : .exact }

    @Test(arguments: BinaryTests.ops)
    func parity(op: BinaryOp) throws {
        var rng = SeededRandom(seed: 31)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [5]] {
            try expectParity(Self.operands(op, shape, shape, &rng), Self.tolerance(op), "\(op) \(shape)") { b, t in
                try b.binary(t[0], t[1], op)
            }
        }
    }

    /// Shape pairs to broadcast: the executor's cases, every merged rank up to six, and random pairs of ranks 1–5
    /// (each axis equal, or 1 on one side; leading axes dropped from one side).
    static func broadcastPairs(seed: UInt64) -> [(Shape, Shape)] {
        var pairs: [(Shape, Shape)] = [
            ([2, 5, 7, 3], [3]), ([2, 1, 1, 3], [2, 5, 7, 3]), ([], [3, 4]), ([3, 4], []), ([3, 1], [1, 4]),
            ([2, 1, 3, 1, 5], [4, 1, 6, 1]), ([1], [5]), ([2, 3, 1, 4, 1, 5], [3, 2, 1, 2, 1]), ([2, 9, 1], [9, 13]),
            ([2, 1, 4, 1], [3, 4, 5]),
        ]
        var rng = SeededRandom(seed: seed)
        for _ in 0 ..< 8 {
            var (a, b): ([Int], [Int]) = ([], [])
            for _ in 0 ..< 1 + Int(rng.next() % 5) {
                let size = 2 + Int(rng.next() % 5)
                switch rng.next() % 3 {
                case 0: (a, b) = (a + [size], b + [size])
                case 1: (a, b) = (a + [1], b + [size])
                default: (a, b) = (a + [size], b + [1])
                }
            }
            let dropped = Int(rng.next() % UInt64(a.count + 1))
            pairs.append(
                rng.next() % 2 == 0
                    ? (Shape(a), Shape(Array(b.dropFirst(dropped)))) : (Shape(Array(a.dropFirst(dropped))), Shape(b)))
        }
        return pairs
    }

    @Test(arguments: BinaryTests.ops)
    func broadcastParity(op: BinaryOp) throws {
        var rng = SeededRandom(seed: 37)
        for (a, b) in Self.broadcastPairs(seed: 41) {
            try expectParity(Self.operands(op, a, b, &rng), Self.tolerance(op), "\(op) \(a) with \(b)") { b, t in
                try b.binary(t[0], t[1], op)
            }
        }
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB maxStorageBufferRange: the output and the large operand are bound
    /// row chunk by row chunk, while [3, 1] (addressed through its offset) and [12000000] (stretched along the rows)
    /// are bound whole.
    @Test func broadcastLargerThanBindingRangeIsSplit() throws {
        let n = 12_000_000
        let a = try HostTensor(shape: [3, n], data: (0 ..< 3 * n).map { Float($0 % 997) - 498 })
        let rows = try HostTensor(shape: [3, 1], data: [2, -1, 0.5])
        let columns = try HostTensor(shape: [n], data: (0 ..< n).map { Float($0 % 89) })
        try expectParity([a, rows, columns], .exact, "[3, 12M] · [3, 1] − [12M]") { b, t in
            try b.binary(b.binary(t[0], t[1], .multiply), t[2], .subtract)
        }
    }

    /// Division by zero gives signed infinities and NaN on the device too, maximum and minimum propagate NaN, and
    /// comparisons with NaN are false (≠ true)
    /// (the shader tests for it; lavapipe keeps NaN and infinities, which Vulkan promises only under the
    /// SignedZeroInfNanPreserve execution mode these shaders do not declare).
    @Test func nonFiniteOnDevice() throws {
        let gpu = try TestDevice.vulkan()
        let a = try HostTensor(shape: [5], data: [1, -1, 0, .nan, 2])
        let b = try HostTensor(shape: [5], data: [0, 0, 0, 1, .nan])
        for op in [BinaryOp.divide, .maximum, .minimum, .greater, .greaterEqual, .less, .lessEqual, .equal, .notEqual] {
            let actual = try gpu.values(gpu.binary(gpu.upload(a), gpu.upload(b), op))
            let expected = zip(a.data, b.data).map(op.apply)
            #expect(
                zip(actual, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                "\(op): \(actual), expected \(expected)")
        }
    }
}
