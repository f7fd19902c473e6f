import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

/// rearrange and its four TensorFlow ops (transpose, strided slice, tile, constant pad). Values are only copied
/// (or are the fill value), so parity is exact in both storage precisions: the shader converts a stored value to
/// float and back, which returns it unchanged, and the fp16 reference gets the inputs rounded to half as the device
/// stores them.
@Suite("rearrange")
struct RearrangeTests {
    static func ramp(_ shape: Shape) throws -> HostTensor {
        try HostTensor(shape: shape, data: (0 ..< shape.count).map(Float.init))
    }

    static func apply(_ x: HostTensor, _ op: (any Backend, Tensor) throws -> Tensor) throws -> HostTensor {
        let cpu = CPUBackend()
        return try cpu.download(op(cpu, cpu.upload(x)))
    }

    @Test func transposeReferenceValues() throws {
        let matrix = try Self.apply(Self.ramp([2, 3])) { b, x in try b.transpose(x, permutation: [1, 0]) }
        #expect(try matrix == HostTensor(shape: [3, 2], data: [0, 3, 1, 4, 2, 5]))
        // NHWC → NCHW: y[n, c, h, w] = x[n, h, w, c] = (2h + w)·3 + c
        let nchw = try Self.apply(Self.ramp([1, 2, 2, 3])) { b, x in try b.transpose(x, permutation: [0, 3, 1, 2]) }
        #expect(try nchw == HostTensor(shape: [1, 3, 2, 2], data: [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]))
        // rank 5, against a loop over the output's coordinates
        let x = try Self.ramp([2, 3, 1, 4, 5])
        let permutation = [3, 0, 4, 2, 1]
        let y = try Self.apply(x) { b, x in try b.transpose(x, permutation: permutation) }
        #expect(y.shape == [4, 2, 5, 1, 3])
        var expected: [Float] = []
        for i in 0 ..< 4 {
            for j in 0 ..< 2 {
                for k in 0 ..< 5 {
                    for m in 0 ..< 3 { expected.append(x[j, m, 0, i, k]) }
                }
            }
        }
        #expect(y.data == expected)
        #expect(y[3, 1, 4, 0, 2] == 119)  // x[1, 2, 0, 3, 4] = 1·60 + 2·20 + 3·5 + 4
        // a scalar transposes to itself
        let scalar = try HostTensor(shape: [], data: [7])
        #expect(try Self.apply(scalar) { b, x in try b.transpose(x, permutation: []) } == scalar)
    }

    @Test func sliceReferenceValues() throws {
        // a step of −1 over the whole axis reverses it
        let reversed = try Self.apply(Self.ramp([5])) { b, x in try b.slice(x, start: [4], count: [5], step: [-1]) }
        #expect(try reversed == HostTensor(shape: [5], data: [4, 3, 2, 1, 0]))
        // rows 2, 0 (step −2) and columns 0, 3 (step 3) of [[0 1 2 3] [4 5 6 7] [8 9 10 11]]
        let strided = try Self.apply(Self.ramp([3, 4])) { b, x in
            try b.slice(x, start: [2, 0], count: [2, 2], step: [-2, 3])
        }
        #expect(try strided == HostTensor(shape: [2, 2], data: [8, 11, 0, 3]))
        // x[:, 1:3] of an NHWC tensor: a plain window
        let window = try Self.apply(Self.ramp([1, 3, 2, 1])) { b, x in
            try b.slice(x, start: [0, 1, 0, 0], count: [1, 2, 2, 1], step: [1, 1, 1, 1])
        }
        #expect(try window == HostTensor(shape: [1, 2, 2, 1], data: [2, 3, 4, 5]))
    }

    @Test func tileReferenceValues() throws {
        let x = try Self.ramp([2, 3])
        let down = try Self.apply(x) { b, x in try b.tile(x, multiples: [2, 1]) }
        #expect(try down == HostTensor(shape: [4, 3], data: [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]))
        let across = try Self.apply(x) { b, x in try b.tile(x, multiples: [1, 3]) }
        #expect(
            try across == HostTensor(shape: [2, 9], data: [0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 3, 4, 5]))
    }

    @Test func padReferenceValues() throws {
        // NHWC [1, 2, 2, 1]: one row of −1 above and below, one column before
        let x = try HostTensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])
        let padded = try Self.apply(x) { b, x in try b.pad(x, before: [0, 1, 1, 0], after: [0, 1, 0, 0], value: -1) }
        #expect(
            try padded
                == HostTensor(shape: [1, 4, 3, 1], data: [-1, -1, -1, -1, 1, 2, -1, 3, 4, -1, -1, -1]))
        // padding an empty axis gives nothing but the value
        let empty = try Self.apply(HostTensor(zeros: [0, 2])) { b, x in
            try b.pad(x, before: [1, 0], after: [1, 1], value: 5)
        }
        #expect(try empty == HostTensor(shape: [2, 3], data: [5, 5, 5, 5, 5, 5]))
    }

    /// A hand-made rearrangement: walking [a b c] backwards from coordinate 3 reads 3, 2, 1, 0, −1, −2, of which
    /// 3, −1 and −2 are outside and give the fill; a transposed, tiled second axis alongside.
    @Test func generalWalkReferenceValues() throws {
        let x = try HostTensor(shape: [3], data: [10, 20, 30])
        let backwards = try Rearrangement(
            inputShape: [3], walks: [.init(inputAxis: 0, size: 6, start: 3, step: -1)], fill: 9)
        #expect(try Self.apply(x) { b, x in try b.rearrange(x, backwards) }.data == [9, 30, 20, 10, 9, 9])
        // y[i, j] = x[j, i mod 2] for x of [2, 2]: the transpose, tiled twice down
        let transposedTile = try Rearrangement(
            inputShape: [2, 2], walks: [.init(inputAxis: 1, size: 4, period: 2), .init(inputAxis: 0, size: 2)])
        let y = try Self.apply(HostTensor(shape: [2, 2], data: [1, 2, 3, 4])) { b, x in
            try b.rearrange(x, transposedTile)
        }
        #expect(try y == HostTensor(shape: [4, 2], data: [1, 3, 2, 4, 1, 3, 2, 4]))
    }

    /// Neighbouring output axes merge where they copy contiguous input in order or in reverse; size-1 axes drop.
    @Test func layoutsMerge() throws {
        func sizes(_ r: Rearrangement) -> [Int] { r.layout.axes.map(\.size) }
        #expect(try sizes(.transpose([2, 5, 7, 3], permutation: [0, 3, 1, 2])) == [2, 3, 35])
        #expect(try sizes(.transpose([2, 5, 7, 3], permutation: [0, 1, 2, 3])) == [210])
        #expect(try sizes(.transpose([2, 1, 3, 1, 4, 1, 5], permutation: [6, 5, 4, 3, 2, 1, 0])) == [5, 4, 3, 2])
        #expect(try sizes(.pad([2, 3, 4], before: [0, 0, 1], after: [0, 0, 1], value: 0)) == [6, 6])
        #expect(try sizes(.tile([2, 3], multiples: [2, 1])) == [12])
        let reversed = try Rearrangement.slice([4, 5], start: [3, 4], count: [4, 5], step: [-1, -1])
        #expect(reversed.layout.axes.map { [$0.size, $0.period, $0.stride] } == [[20, 20, -1]])
        #expect(reversed.layout.axes.map(\.valid) == [0 ..< 20] && reversed.layout.base == 19)
        // rows of a slice stay apart once its columns are strided
        #expect(try sizes(.slice([4, 6], start: [0, 1], count: [4, 3], step: [1, 2])) == [4, 3])
        // an axis that reads nothing makes all of the output the fill
        #expect(try !Rearrangement.pad([0, 3], before: [1, 0], after: [0, 0], value: 1).layout.readsInput)
        // seven axes that no neighbour continues stay seven: beyond the shader's six
        #expect(throws: TensorError.self) {
            try Rearrangement.transpose([2, 2, 2, 2, 2, 2, 2], permutation: [6, 5, 4, 3, 2, 1, 0])
        }
    }

    /// Per-axis spans of the input a chunk of outer rows reads, which the Vulkan backend binds for large inputs.
    @Test func inputSpans() throws {
        let reversedRows = try Rearrangement.slice([4, 5], start: [3, 0], count: [4, 5], step: [-1, 1]).layout
        #expect(reversedRows.inputSpan(rows: 0 ..< 1) == 15 ... 19)
        #expect(reversedRows.inputSpan(rows: 1 ..< 3) == 5 ... 14)
        // padding whole rows merges with them: one axis of 12 whose elements 3..<9 read the input
        let padded = try Rearrangement.pad([2, 3], before: [1, 0], after: [1, 0], value: 0).layout
        #expect(padded.axes.map(\.size) == [12] && padded.axes[0].valid == 3 ..< 9 && padded.base == -3)
        #expect(padded.inputSpan(rows: 0 ..< 3) == nil && padded.inputSpan(rows: 0 ..< 4) == 0 ... 0)
        #expect(padded.inputSpan(rows: 9 ..< 12) == nil && padded.inputSpan(rows: 2 ..< 10) == 0 ... 5)
        // a tiled axis wraps: elements 10, 11, 12 of period 12 read input elements 10, 11 and 0
        let tiled = try Rearrangement.tile([3, 4], multiples: [2, 1]).layout
        #expect(tiled.axes.map(\.period) == [12] && tiled.inputSpan(rows: 20 ..< 24) == 8 ... 11)
        #expect(tiled.inputSpan(rows: 10 ..< 13) == 0 ... 11)
    }

    /// A random rearrangement of `shape` through one of the four ops.
    static func randomOp(_ shape: Shape, _ rng: inout SeededRandom) throws -> Rearrangement {
        let rank = shape.rank
        let pick = { (range: ClosedRange<Int>, rng: inout SeededRandom) -> Int in
            range.lowerBound + Int(rng.next() % UInt64(range.count))
        }
        switch rng.next() % 4 {
        case 0:
            return try .transpose(shape, permutation: Array(0 ..< rank).shuffled(using: &rng))
        case 1:
            var (start, count, step) = ([Int](), [Int](), [Int]())
            for extent in shape.dims {
                if rng.next() % 3 == 0 {  // the whole axis, forwards or backwards: it merges with its neighbours
                    let backwards = rng.next() % 2 == 0
                    (start, count, step) = (
                        start + [backwards ? extent - 1 : 0], count + [extent], step + [backwards ? -1 : 1]
                    )
                    continue
                }
                let stride = [-3, -2, -1, 1, 1, 2, 3][pick(0 ... 6, &rng)]
                let first = pick(0 ... extent - 1, &rng)
                let room = stride > 0 ? (extent - 1 - first) / stride : first / -stride
                (start, count, step) = (start + [first], count + [1 + pick(0 ... room, &rng)], step + [stride])
            }
            return try .slice(shape, start: start, count: count, step: step)
        case 2:
            return try .tile(shape, multiples: shape.dims.map { _ in pick(1 ... 3, &rng) })
        default:
            let before = shape.dims.map { _ in pick(0 ... 2, &rng) }
            let after = shape.dims.map { _ in pick(0 ... 2, &rng) }
            return try .pad(shape, before: before, after: after, value: [-1, 0.5, 3][pick(0 ... 2, &rng)])
        }
    }

    /// Random walks: the input's axes mostly in order, else permuted; half of the walks whole (forwards or backwards, so
    /// that they merge with their neighbours), the others of sizes 0–5, starting before, inside or past the input, in
    /// steps of −2…2, with periods that wrap or not; most elements of some outputs are fill.
    static func randomWalks(_ shape: Shape, _ rng: inout SeededRandom) throws -> Rearrangement {
        let axes = rng.next() % 4 != 0 ? Array(0 ..< shape.rank) : Array(0 ..< shape.rank).shuffled(using: &rng)
        let walks = axes.map { axis -> Rearrangement.Walk in
            let extent = shape.dims[axis]
            if rng.next() % 2 == 0 {
                let backwards = rng.next() % 2 == 0
                return .init(inputAxis: axis, size: extent, start: backwards ? extent - 1 : 0, step: backwards ? -1 : 1)
            }
            let size = rng.next() % 10 == 0 ? 0 : 1 + Int(rng.next() % 5)
            return Rearrangement.Walk(
                inputAxis: axis, size: size, start: Int(rng.next() % UInt64(extent + 3)) - 1,
                step: [-2, -1, -1, 0, 1, 1, 2][Int(rng.next() % 7)], period: 1 + Int(rng.next() % UInt64(size + 1)))
        }
        return try Rearrangement(inputShape: shape, walks: walks, fill: -2)
    }

    /// Shapes of ranks 0–6 with sizes 1–5 (size-1 axes included, which merging drops).
    static func randomShapes(seed: UInt64, count: Int) -> [Shape] {
        var rng = SeededRandom(seed: seed)
        return (0 ..< count).map { index in
            Shape((0 ..< index % 7).map { _ in 1 + Int(rng.next() % 5) })
        }
    }

    @Test(arguments: [Precision.fp32, .fp16])
    func opParity(precision: Precision) throws {
        var rng = SeededRandom(seed: 61)
        for shape in Self.randomShapes(seed: 62, count: 42) {
            let r = try Self.randomOp(shape, &rng)
            try expectRearrangeParity(rng.normalTensor(shape), r, precision)
        }
        // the cases of the reference tests, and more axes than six that merge down to six
        let executorCases: [(Shape, Rearrangement)] = [
            ([2, 5, 7, 3], try .transpose([2, 5, 7, 3], permutation: [0, 3, 1, 2])),
            ([2, 3, 1, 4, 5], try .transpose([2, 3, 1, 4, 5], permutation: [3, 0, 4, 2, 1])),
            ([2, 9, 11, 3], try .pad([2, 9, 11, 3], before: [0, 1, 2, 0], after: [0, 2, 1, 0], value: -1)),
            ([3, 8, 5], try .slice([3, 8, 5], start: [2, 7, 0], count: [3, 4, 5], step: [-1, -2, 1])),
            ([3, 4, 5], try .slice([3, 4, 5], start: [2, 3, 4], count: [3, 4, 5], step: [-1, -1, -1])),
            ([2, 3, 4], try .slice([2, 3, 4], start: [0, 2, 3], count: [2, 3, 4], step: [1, -1, -1])),
            ([2, 1, 3], try .slice([2, 1, 3], start: [1, 0, 2], count: [2, 1, 2], step: [-1, 1, -1])),
            ([2, 3, 4, 2, 3, 2, 3], try .transpose([2, 3, 4, 2, 3, 2, 3], permutation: [6, 5, 4, 3, 2, 0, 1])),
        ]
        for (shape, r) in executorCases { try expectRearrangeParity(rng.normalTensor(shape), r, precision) }
    }

    @Test(arguments: [Precision.fp32, .fp16])
    func generalWalkParity(precision: Precision) throws {
        var rng = SeededRandom(seed: 63)
        for shape in Self.randomShapes(seed: 64, count: 120) {
            let r = try Self.randomWalks(shape, &rng)
            try expectRearrangeParity(rng.normalTensor(shape), r, precision)
        }
    }

    /// Empty outputs (a count, a multiple or an input axis of 0), and an empty input padded into nothing but fill.
    @Test func zeroSizes() throws {
        let cases: [(Shape, Rearrangement)] = [
            ([3, 4], try .slice([3, 4], start: [0, 4], count: [3, 0], step: [1, 1])),
            ([3, 4], try .tile([3, 4], multiples: [0, 2])),
            ([0, 3], try .transpose([0, 3], permutation: [1, 0])),
            ([2, 0, 3], try .pad([2, 0, 3], before: [0, 1, 0], after: [1, 0, 0], value: -1)),
            ([2, 0, 3], try .pad([2, 0, 3], before: [1, 0, 0], after: [0, 0, 1], value: 4)),
        ]
        var rng = SeededRandom(seed: 65)
        for (shape, r) in cases {
            for precision in [Precision.fp32, .fp16] {
                try expectRearrangeParity(rng.normalTensor(shape), r, precision)
            }
        }
        let gpu = try TestDevice.vulkan()
        let filled = try gpu.pad(
            gpu.upload(HostTensor(zeros: [2, 0, 3])), before: [0, 1, 0], after: [1, 0, 0], value: -1)
        #expect(try gpu.download(filled) == HostTensor(shape: [3, 1, 3], data: Array(repeating: -1, count: 9)))
    }

    /// The fill value is a specialization constant keyed by its bits: −0.0 and NaN come out as given, and a pad with
    /// +0.0 after one with −0.0 is not served the other's pipeline.
    @Test func fillKeepsItsBits() throws {
        let gpu = try TestDevice.vulkan()
        let x = try gpu.upload(HostTensor(shape: [1], data: [1]))
        for value in [Float(-0.0), 0, .nan, -.infinity] {
            let y = try gpu.values(gpu.pad(x, before: [1], after: [0], value: value))
            #expect(y[0].bitPattern == value.bitPattern && y[1] == 1, "\(value)")
        }
    }

    /// [4, 9M] reversed along its rows and padded by 8 on each side of them: the 144 MB input exceeds lavapipe's
    /// 128 MiB binding range, so each chunk of output rows binds only the input rows it reads.
    @Test func inputLargerThanBindingRangeIsBoundInWindows() throws {
        let n = 9_000_000
        let x = try HostTensor(shape: [4, n], data: (0 ..< 4 * n).map { Float($0 % 997) - 498 })
        let reversedPadded = try Rearrangement(
            inputShape: [4, n],
            walks: [.init(inputAxis: 0, size: 4, start: 3, step: -1), .init(inputAxis: 1, size: n + 16, start: -8)],
            fill: 0.5)
        try expectParity([x], .exact, "[4, 9M] reversed and padded") { b, t in try b.rearrange(t[0], reversedPadded) }
    }

    /// [1, 9M] tiled 4 times down: one merged axis of 36M elements with period 9M, split into chunks whose first
    /// rows fall inside a period.
    @Test func outputLargerThanBindingRangeIsSplit() throws {
        let n = 9_000_000
        let x = try HostTensor(shape: [1, n], data: (0 ..< n).map { Float($0 % 991) })
        try expectParity([x], .exact, "[1, 9M] tiled [4, 1]") { b, t in try b.tile(t[0], multiples: [4, 1]) }
    }

    /// Transposing [2, n] to [n, 2] makes every output row read both input rows: once n elements exceed the binding
    /// range the Vulkan backend cannot bind what one row reads and says so (on devices with a larger range it runs,
    /// and matches the reference).
    @Test func rowsReadingMoreThanBindingRangeThrow() throws {
        let gpu = try TestDevice.vulkan()
        let n = 34_000_000  // 136 MB per input row, past lavapipe's 128 MiB
        let x = try HostTensor(shape: [2, n], data: [Float](repeating: 1, count: 2 * n))
        if UInt64(n * 4) > gpu.context.limits.maxStorageBufferRange {
            #expect(throws: VulkanError.self) { try gpu.download(gpu.transpose(gpu.upload(x), permutation: [1, 0])) }
        } else {
            try expectParity([x], .exact, "[2, 34M] transposed") { b, t in try b.transpose(t[0], permutation: [1, 0]) }
        }
    }

    @Test func rejectsInvalidArguments() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try b.upload(HostTensor(zeros: [2, 3, 4]))
            // transpose: not a permutation, wrong length
            #expect(throws: TensorError.self) { try b.transpose(x, permutation: [0, 0, 1]) }
            #expect(throws: TensorError.self) { try b.transpose(x, permutation: [1, 0]) }
            #expect(throws: TensorError.self) { try b.transpose(x, permutation: [0, 1, 3]) }
            // slice: step 0, negative count, reads past either end, lists of the wrong length
            let ones = [1, 1, 1]
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, 0, 0], count: ones, step: [1, 0, 1]) }
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, 0, 0], count: [1, -1, 1], step: ones) }
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, 0, 2], count: [1, 1, 3], step: ones) }
            #expect(throws: TensorError.self) {
                try b.slice(x, start: [0, 0, 1], count: [1, 1, 2], step: [1, 1, -2])
            }
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, 3, 0], count: ones, step: ones) }
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, -1, 0], count: ones, step: ones) }
            #expect(throws: TensorError.self) { try b.slice(x, start: [0, 0], count: [1, 1], step: [1, 1]) }
            // tile: negative multiple, wrong length
            #expect(throws: TensorError.self) { try b.tile(x, multiples: [1, -1, 1]) }
            #expect(throws: TensorError.self) { try b.tile(x, multiples: [1, 1]) }
            // pad: negative padding, wrong length
            #expect(throws: TensorError.self) { try b.pad(x, before: [0, -1, 0], after: [0, 0, 0], value: 0) }
            #expect(throws: TensorError.self) { try b.pad(x, before: [0, 0, 0], after: [0, 0, -2], value: 0) }
            #expect(throws: TensorError.self) { try b.pad(x, before: [0, 0], after: [0, 0], value: 0) }
            // a rearrangement made for another shape
            #expect(throws: TensorError.self) { try b.rearrange(x, .transpose([3, 2, 4], permutation: [1, 0, 2])) }
        }
        // walks: not one per input axis, input axes not a permutation, negative size, period 0, huge step
        let walk = { (axis: Int) in Rearrangement.Walk(inputAxis: axis, size: 2) }
        #expect(throws: TensorError.self) { try Rearrangement(inputShape: [2, 2], walks: [walk(0)]) }
        #expect(throws: TensorError.self) { try Rearrangement(inputShape: [2, 2], walks: [walk(0), walk(0)]) }
        #expect(throws: TensorError.self) {
            try Rearrangement(inputShape: [2], walks: [.init(inputAxis: 0, size: -1)])
        }
        #expect(throws: TensorError.self) {
            try Rearrangement(inputShape: [2], walks: [.init(inputAxis: 0, size: 2, period: 0)])
        }
        #expect(throws: TensorError.self) {
            try Rearrangement(inputShape: [2], walks: [.init(inputAxis: 0, size: 2, step: 1 << 40)])
        }
        // an output too large to count, and the message of an out-of-range read
        #expect(throws: TensorError.self) { try Rearrangement.tile([2, 2], multiples: [1 << 40, 1 << 40]) }
        do {
            _ = try Rearrangement.slice([5], start: [1], count: [3], step: [2])
            Issue.record("a slice reading element 5 of 5 was accepted")
        } catch let error as TensorError {
            #expect(
                "\(error)"
                    == "slice: shape mismatch: axis 0 of [5]: 3 elements from 1 in steps of 2 read outside 0..<5")
        }
    }
}

/// Compares `r` applied by the CPU reference and by Vulkan with `precision` storage, exactly.
func expectRearrangeParity(
    _ x: HostTensor, _ r: Rearrangement, _ precision: Precision, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let context = "\(x.shape) → \(r.outputShape) \(r.walks) fill \(r.fill)"
    switch precision {
    case .fp32:
        try expectParity([x], .exact, context, sourceLocation: sourceLocation) { b, t in try b.rearrange(t[0], r) }
    case .fp16:
        try expectHalfParity([x], .exact, context, sourceLocation: sourceLocation) { b, t in try b.rearrange(t[0], r) }
    }
}
