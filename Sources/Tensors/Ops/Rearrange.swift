/// An index-mapped copy, the one op behind transpose, strided slice (negative steps too), tile and constant padding
/// (`Backend.rearrange`): per output axis, which input axis it walks and how.
///
/// Output axis `i` walks input axis `walks[i].inputAxis`, and every input axis is walked by exactly one output axis
/// (the output has the input's rank). Output element (o₀, o₁, …) reads the input element whose coordinate on the
/// axis walked by output axis `i` is `walks[i].inputCoordinate(oᵢ)`; when any of these lies outside its input axis,
/// the element is `fill` instead. The static constructors build the four TensorFlow ops; a hand-made rearrangement
/// may combine them (a transposed, padded slice is one copy).
///
/// Any rank is accepted whose layout merges down to `maxMergedAxes` axes (`RearrangeLayout`); every rank up to that
/// does.
public struct Rearrangement: Sendable, Equatable {
    /// How one output axis reads the input axis it walks: output coordinate `o` reads input coordinate
    /// `start + step · (o mod period)`.
    public struct Walk: Sendable, Equatable {
        /// The input axis this output axis walks.
        public let inputAxis: Int
        /// The output's size along this axis.
        public let size: Int
        /// The input coordinate read at output coordinate 0 (negative for padding before the input).
        public let start: Int
        /// How far the input coordinate moves per output step: negative walks backwards, 0 repeats `start`.
        public let step: Int
        /// The walk starts over every `period` output steps (tiling); `size` or more never starts over.
        public let period: Int

        /// A walk; `period` defaults to `size` (no repetition; 1 for an empty axis).
        public init(inputAxis: Int, size: Int, start: Int = 0, step: Int = 1, period: Int? = nil) {
            self.inputAxis = inputAxis
            self.size = size
            self.start = start
            self.step = step
            self.period = period ?? max(size, 1)
        }

        /// The input coordinate output coordinate `o` reads, or nil when it lies outside `0 ..< inputSize` (the
        /// element is the fill value there).
        public func inputCoordinate(_ o: Int, inputSize: Int) -> Int? {
            let (product, overflow) = step.multipliedReportingOverflow(by: o % period)
            let (coordinate, beyond) = start.addingReportingOverflow(product)
            return !overflow && !beyond && 0 <= coordinate && coordinate < inputSize ? coordinate : nil
        }

        /// The values of `o mod period` whose input coordinate lies inside `0 ..< inputSize`; a single range since
        /// the coordinate moves monotonically.
        func validRange(inputSize: Int) -> Range<Int> {
            let reached = min(period, size)  // o mod period takes the values 0 ..< reached
            let lower: Int
            let upper: Int
            if step > 0 {  // start + step·m ≥ 0 and ≤ inputSize − 1
                lower = ceilingDivision(-start, step)
                upper = floorDivision(inputSize - 1 - start, step) + 1
            } else if step < 0 {
                lower = ceilingDivision(start - (inputSize - 1), -step)
                upper = floorDivision(start, -step) + 1
            } else {
                (lower, upper) = 0 <= start && start < inputSize ? (0, reached) : (0, 0)
            }
            let (from, to) = (max(lower, 0), min(upper, reached))
            return from < to ? from ..< to : 0 ..< 0
        }
    }

    /// The most axes the layout may have once neighbouring axes that copy contiguous runs are merged
    /// (`RearrangeLayout`): the Vulkan shader's push constants hold that many.
    public static let maxMergedAxes = 6

    /// The shape of the tensors this rearranges.
    public let inputShape: Shape
    /// One walk per output axis, outermost first.
    public let walks: [Walk]
    /// The value of output elements whose read falls outside the input (padding). Stored like any value: rounded to
    /// half by a backend with fp16 storage.
    public let fill: Float
    /// The layout both backends' sizes and the Vulkan shader's parameters come from.
    public let layout: RearrangeLayout

    /// The output shape: the walks' sizes.
    public var outputShape: Shape { Shape(walks.map(\.size)) }

    /// Throws `TensorError.shapeMismatch` unless there is one walk per input axis and the walks' input axes are a
    /// permutation of the input's, `TensorError.unsupported` for a negative size, a period below 1, a start or step
    /// beyond ±(2³¹ − 1), an output too large to count, or a layout of more than `maxMergedAxes` merged axes.
    public init(inputShape: Shape, walks: [Walk], fill: Float = 0) throws {
        let op = "rearrange"
        guard inputShape.dims.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.shapeMismatch(op: op, "negative dimension in input \(inputShape)")
        }
        guard walks.count == inputShape.rank else {
            throw TensorError.shapeMismatch(
                op: op, "\(walks.count) walks for the \(inputShape.rank) axes of input \(inputShape)")
        }
        guard walks.map(\.inputAxis).sorted() == Array(0 ..< inputShape.rank) else {
            throw TensorError.shapeMismatch(
                op: op,
                "the walks' input axes \(walks.map(\.inputAxis)) are not a permutation of 0..<\(inputShape.rank)")
        }
        let limit = Int(Int32.max)
        var count = 1
        for (axis, walk) in walks.enumerated() {
            guard walk.size >= 0, walk.period >= 1, abs(walk.start) <= limit, abs(walk.step) <= limit else {
                throw TensorError.unsupported(
                    op: op,
                    "output axis \(axis): size \(walk.size), start \(walk.start), step \(walk.step), period "
                        + "\(walk.period) (sizes ≥ 0, periods ≥ 1, starts and steps within ±\(limit))")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: walk.size)
            guard !overflow else {
                throw TensorError.unsupported(op: op, "output \(walks.map(\.size)) has too many elements to count")
            }
            count = product
        }
        self.inputShape = inputShape
        self.walks = walks
        self.fill = fill
        layout = RearrangeLayout(inputShape: inputShape, walks: walks)
        guard layout.axes.count <= Self.maxMergedAxes else {
            throw TensorError.unsupported(
                op: op,
                "\(inputShape) → \(outputShape) needs \(layout.axes.count) axes after merging; at most "
                    + "\(Self.maxMergedAxes) are supported")
        }
    }

    /// Throws `TensorError.shapeMismatch` unless `shape` is the shape this rearrangement was built for.
    public func validateInput(_ shape: Shape) throws {
        guard shape == inputShape else {
            throw TensorError.shapeMismatch(op: "rearrange", "input \(shape), rearrangement built for \(inputShape)")
        }
    }

    // MARK: the TensorFlow ops

    /// TensorFlow's Transpose: output axis `i` is input axis `permutation[i]`. Throws `TensorError.shapeMismatch`
    /// unless `permutation` is a permutation of the input's axes.
    public static func transpose(_ shape: Shape, permutation: [Int]) throws -> Rearrangement {
        guard permutation.sorted() == Array(0 ..< shape.rank) else {
            throw TensorError.shapeMismatch(
                op: "transpose", "\(permutation) is not a permutation of the axes of \(shape) (0..<\(shape.rank))")
        }
        return try Rearrangement(
            inputShape: shape, walks: permutation.map { Walk(inputAxis: $0, size: shape.dims[$0]) })
    }

    /// A strided slice: along axis `a`, output element `i` reads input element `start[a] + step[a]·i` for
    /// `i < count[a]` (TensorFlow's StridedSlice once its masks are resolved). Throws `TensorError.unsupported` for a
    /// step of 0 or a negative count, `TensorError.shapeMismatch` for lists not of the input's rank or a read outside
    /// the input (an axis with count 0 reads nothing, so its start is not checked).
    public static func slice(_ shape: Shape, start: [Int], count: [Int], step: [Int]) throws -> Rearrangement {
        try checkRank("slice", shape, ["start": start, "count": count, "step": step])
        var walks: [Walk] = []
        for axis in 0 ..< shape.rank {
            let (first, size, stride) = (start[axis], count[axis], step[axis])
            guard stride != 0, size >= 0 else {
                throw TensorError.unsupported(
                    op: "slice", "axis \(axis): step \(stride), count \(size) (steps are non-zero, counts ≥ 0)")
            }
            if size > 0 {
                let extent = shape.dims[axis]
                let (span, overflow) = stride.multipliedReportingOverflow(by: size - 1)
                let (last, beyond) = first.addingReportingOverflow(span)
                guard 0 <= first, first < extent, !overflow, !beyond, 0 <= last, last < extent else {
                    throw TensorError.shapeMismatch(
                        op: "slice",
                        "axis \(axis) of \(shape): \(size) elements from \(first) in steps of \(stride) read outside "
                            + "0..<\(extent)")
                }
            }
            walks.append(Walk(inputAxis: axis, size: size, start: first, step: stride))
        }
        return try Rearrangement(inputShape: shape, walks: walks)
    }

    /// TensorFlow's Tile: axis `a` repeated `multiples[a]` times. Throws `TensorError.shapeMismatch` for a list not
    /// of the input's rank, `TensorError.unsupported` for a negative multiple.
    public static func tile(_ shape: Shape, multiples: [Int]) throws -> Rearrangement {
        try checkRank("tile", shape, ["multiples": multiples])
        var walks: [Walk] = []
        for (axis, (extent, multiple)) in zip(shape.dims, multiples).enumerated() {
            guard multiple >= 0 else {
                throw TensorError.unsupported(op: "tile", "axis \(axis): negative multiple \(multiple)")
            }
            let (size, overflow) = extent.multipliedReportingOverflow(by: multiple)
            guard !overflow else {
                throw TensorError.unsupported(op: "tile", "axis \(axis): \(extent) × \(multiple) is too large")
            }
            walks.append(Walk(inputAxis: axis, size: size, period: max(extent, 1)))
        }
        return try Rearrangement(inputShape: shape, walks: walks)
    }

    /// TensorFlow's Pad and PadV2 in CONSTANT mode: `before[a]` and `after[a]` elements of `value` around axis `a`.
    /// Throws `TensorError.shapeMismatch` for lists not of the input's rank, `TensorError.unsupported` for negative
    /// padding.
    public static func pad(_ shape: Shape, before: [Int], after: [Int], value: Float) throws -> Rearrangement {
        try checkRank("pad", shape, ["before": before, "after": after])
        var walks: [Walk] = []
        for axis in 0 ..< shape.rank {
            guard before[axis] >= 0, after[axis] >= 0 else {
                throw TensorError.unsupported(
                    op: "pad", "axis \(axis): negative padding \(before[axis]), \(after[axis])")
            }
            let (size, overflow) = shape.dims[axis].addingReportingOverflow(before[axis])
            let (padded, beyond) = size.addingReportingOverflow(after[axis])
            guard !overflow, !beyond else {
                throw TensorError.unsupported(op: "pad", "axis \(axis): padded size is too large")
            }
            walks.append(Walk(inputAxis: axis, size: padded, start: -before[axis]))
        }
        return try Rearrangement(inputShape: shape, walks: walks, fill: value)
    }

    /// Throws unless every list has one entry per axis of `shape`.
    private static func checkRank(_ op: String, _ shape: Shape, _ lists: KeyValuePairs<String, [Int]>) throws {
        for (name, list) in lists where list.count != shape.rank {
            throw TensorError.shapeMismatch(
                op: op, "\(name) has \(list.count) entries for the \(shape.rank) axes of \(shape)")
        }
    }
}

/// A rearrangement's walks with neighbouring output axes merged where they copy contiguous runs of the input in
/// order (or in reverse), axes of output size 1 dropped: what the Vulkan shader indexes by.
///
/// Output element (o₀, o₁, …) over `axes` reads input offset `base + Σ (oᵢ mod periodᵢ)·strideᵢ` when every
/// `oᵢ mod periodᵢ` lies in its axis's `valid` range, and is the fill value otherwise.
public struct RearrangeLayout: Sendable, Equatable {
    /// One merged output axis.
    public struct Axis: Sendable, Equatable {
        /// The output's size along it.
        public let size: Int
        /// Its coordinate starts over every `period` steps (≤ `size`, and ≥ 1).
        public let period: Int
        /// The values of `coordinate mod period` that read the input; the others give the fill value.
        public let valid: Range<Int>
        /// Input elements one step moves (negative for a reversed walk, 0 for a repeated coordinate).
        public let stride: Int
    }

    /// The merged axes, outermost first; empty for a single output element. When some output axis reads nothing
    /// (all of the output is the fill value), one axis of the output's element count with an empty `valid` range.
    public let axes: [Axis]
    /// The input offset read with every coordinate 0; may lie outside the input (padding before it).
    public let base: Int
    /// Whether any output element reads the input (false when the output is empty or all fill).
    public let readsInput: Bool

    init(inputShape: Shape, walks: [Rearrangement.Walk]) {
        var inputStrides = [Int](repeating: 1, count: inputShape.rank)
        for axis in (0 ..< max(inputShape.rank - 1, 0)).reversed() {
            inputStrides[axis] = inputStrides[axis + 1] * inputShape.dims[axis + 1]
        }
        // Walks over merged input runs: the run's size and stride replace the input axis's.
        struct Run {
            var walk: Rearrangement.Walk
            var inputSize: Int
            var inputStride: Int

            /// Reads its whole run once, first to last or last to first, without repetition.
            var isWhole: Bool {
                walk.size == inputSize && walk.period >= walk.size && abs(walk.step) == 1
                    && walk.start == (walk.step == 1 ? 0 : inputSize - 1)
            }
        }
        let count = walks.reduce(1) { $0 * $1.size }
        var runs: [Run] = []
        for walk in walks {
            let run = Run(
                walk: walk, inputSize: inputShape.dims[walk.inputAxis], inputStride: inputStrides[walk.inputAxis])
            guard !run.walk.validRange(inputSize: run.inputSize).isEmpty else {
                // nothing along this axis reads the input: every element is the fill value
                axes = [Axis(size: count, period: max(count, 1), valid: 0 ..< 0, stride: 0)]
                (base, readsInput) = (0, false)
                return
            }
            runs.append(run)
        }
        var base = 0
        var merged: [Run] = []
        // Innermost first: an axis of size 1 contributes its start to the base; an axis whose inner neighbour reads
        // its whole run in the same direction, right inside this axis's elements, takes that neighbour in.
        for run in runs.reversed() {
            base &+= run.walk.start &* run.inputStride  // modulo 2⁶⁴; every offset read comes out exact
            guard run.walk.size != 1 else { continue }
            if let inner = merged.last, inner.isWhole, inner.walk.step == run.walk.step,
                run.inputStride == inner.inputStride * inner.inputSize
            {
                let n = inner.inputSize
                merged[merged.count - 1] = Run(
                    walk: Rearrangement.Walk(
                        inputAxis: run.walk.inputAxis, size: run.walk.size * n,
                        start: run.walk.start * n + inner.walk.start,
                        step: inner.walk.step, period: min(run.walk.period, run.walk.size) * n),
                    inputSize: run.inputSize * n, inputStride: inner.inputStride)
            } else {
                merged.append(run)
            }
        }
        axes = merged.reversed().map { run in
            Axis(
                size: run.walk.size, period: min(run.walk.period, run.walk.size),
                valid: run.walk.validRange(inputSize: run.inputSize), stride: run.walk.step * run.inputStride)
        }
        self.base = base
        readsInput = count > 0
    }

    /// The smallest and largest input offsets that rows `rows` of the outermost axis read (all of the output when
    /// there are no axes), or nil when they read nothing.
    public func inputSpan(rows: Range<Int>) -> ClosedRange<Int>? {
        guard readsInput, !rows.isEmpty else { return nil }
        var (lowest, highest) = (base, base)
        for (index, axis) in axes.enumerated() {
            var reached = 0 ..< axis.period
            if index == 0, rows.count < axis.period {
                let (first, last) = (rows.lowerBound % axis.period, (rows.upperBound - 1) % axis.period)
                if first <= last { reached = first ..< last + 1 }
            }
            let read = reached.clamped(to: axis.valid)
            guard let low = read.first, let high = read.last else { return nil }
            lowest &+= min(low * axis.stride, high * axis.stride)
            highest &+= max(low * axis.stride, high * axis.stride)
        }
        return lowest ... highest
    }
}

/// ⌊a / b⌋ for b > 0.
private func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
/// ⌈a / b⌉ for b > 0.
private func ceilingDivision(_ a: Int, _ b: Int) -> Int { -floorDivision(-a, b) }

extension Backend {
    /// TensorFlow's Transpose: output axis `i` is input axis `permutation[i]`. See `Rearrangement.transpose`.
    public func transpose(_ x: Tensor, permutation: [Int]) throws -> Tensor {
        try rearrange(x, .transpose(x.shape, permutation: permutation))
    }

    /// Per axis `a`, `count[a]` elements read from `start[a]` in steps of `step[a]` (non-zero, possibly negative);
    /// every read must lie inside the input. See `Rearrangement.slice`.
    public func slice(_ x: Tensor, start: [Int], count: [Int], step: [Int]) throws -> Tensor {
        try rearrange(x, .slice(x.shape, start: start, count: count, step: step))
    }

    /// TensorFlow's Tile. See `Rearrangement.tile`.
    public func tile(_ x: Tensor, multiples: [Int]) throws -> Tensor {
        try rearrange(x, .tile(x.shape, multiples: multiples))
    }

    /// TensorFlow's Pad and PadV2 in CONSTANT mode, non-negative padding. See `Rearrangement.pad`.
    public func pad(_ x: Tensor, before: [Int], after: [Int], value: Float) throws -> Tensor {
        try rearrange(x, .pad(x.shape, before: before, after: after, value: value))
    }
}
