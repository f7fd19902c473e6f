/// Reductions of `Backend.reduce`, named after TensorFlow's Sum, Mean, Max and Min.
///
/// Over zero elements they give TensorFlow's results: sum 0, mean NaN (0/0), max −∞ and min +∞. Maximum and minimum
/// return NaN when any element is NaN; sum and mean follow IEEE 754 (a NaN, or +∞ and −∞ together, give NaN).
public enum ReduceOp: Sendable, Equatable {
    /// Σ x.
    case sum
    /// Σ x / (number of reduced elements).
    case mean
    /// The largest element.
    case max
    /// The smallest element.
    case min

    /// The result over zero elements (TensorFlow's): sum 0, mean NaN, max −∞, min +∞.
    public var resultOverNoElements: Float {
        switch self {
        case .sum: return 0
        case .mean: return .nan
        case .max: return -.infinity
        case .min: return .infinity
        }
    }
}

/// Shape rules of `Backend.reduce`.
///
/// `axes` lists axes of `x` to reduce: distinct, each in 0..<rank, in any order (a caller with TensorFlow's negative
/// axes adds the rank first). They leave the shape: [N,H,W,C] over [1, 2] gives [N,C]; every axis gives the rank-0
/// shape [] (one element); no axes give a copy of `x`.
///
/// Both backends address `x` through `ReduceLayout`: axes of size 1 drop out and neighbouring axes that are both kept
/// or both reduced merge, so reducing H and W of NHWC is [N, H·W, C] reduced over the middle, and every output
/// element reduces the elements at its kept offset plus each reduced offset.
public enum Reduce {
    /// The most groups of merged kept axes, and of merged reduced axes, a reduction may have: `reduce.comp`'s push
    /// constants hold that many of each. Kept and reduced groups alternate at worst, so any rank up to 8 fits, and
    /// higher ranks whenever they merge down to it.
    public static let maxMergedGroups = 4

    /// The output shape of `reduce(x, axes: axes, _)`.
    public static func outputShape(_ x: Shape, axes: [Int]) throws -> Shape { try layout(x, axes: axes).shape }

    /// How the output's elements read `x`; throws `TensorError.unsupported` for an axis that is negative, out of range
    /// or listed twice, and for layouts beyond `maxMergedGroups`.
    public static func layout(_ x: Shape, axes: [Int]) throws -> ReduceLayout {
        var isReduced = [Bool](repeating: false, count: x.rank)
        for axis in axes {
            guard axis >= 0 else {
                throw TensorError.unsupported(
                    op: "reduce",
                    "axis \(axis) of \(x) is negative; the caller resolves negative axes (axis + rank) first")
            }
            guard axis < x.rank else {
                throw TensorError.unsupported(op: "reduce", "axis \(axis) is out of range for \(x) of rank \(x.rank)")
            }
            guard !isReduced[axis] else {
                throw TensorError.unsupported(op: "reduce", "axis \(axis) is listed twice in \(axes)")
            }
            isReduced[axis] = true
        }
        var dims: [Int] = []
        var reduced: [Bool] = []
        for axis in 0 ..< x.rank where x.dims[axis] != 1 {
            if let last = reduced.last, last == isReduced[axis] {
                dims[dims.count - 1] *= x.dims[axis]
            } else {
                dims.append(x.dims[axis])
                reduced.append(isReduced[axis])
            }
        }
        let layout = ReduceLayout(
            shape: Shape(x.dims.indices.filter { !isReduced[$0] }.map { x.dims[$0] }), dims: dims, reduced: reduced)
        guard layout.keptDims.count <= maxMergedGroups, layout.reducedDims.count <= maxMergedGroups else {
            throw TensorError.unsupported(
                op: "reduce",
                "reducing \(x) over \(axes) leaves \(layout.keptDims.count) groups of kept and "
                    + "\(layout.reducedDims.count) of reduced axes after merging; at most \(maxMergedGroups) of each "
                    + "are supported")
        }
        return layout
    }
}

/// Where each output element of a reduction reads `x`: `x`'s axes with those of size 1 dropped and neighbours that
/// are both kept or both reduced merged, and the element strides of the merged axes.
public struct ReduceLayout: Sendable, Equatable {
    /// The output shape: `x`'s with the reduced axes removed.
    public let shape: Shape
    /// The merged axes of `x`, outermost first; their product is `x`'s element count (empty for one element).
    public let dims: [Int]
    /// Per merged axis, whether it is reduced.
    public let reduced: [Bool]
    /// The kept merged axes, outermost first: their product is the output's element count.
    public let keptDims: [Int]
    /// Per kept merged axis, how many elements of `x` one step along it moves.
    public let keptStrides: [Int]
    /// The reduced merged axes, outermost first.
    public let reducedDims: [Int]
    /// Per reduced merged axis, how many elements of `x` one step along it moves.
    public let reducedStrides: [Int]
    /// How many elements of `x` each output element reduces (1 for a copy, 0 when a reduced axis is empty).
    public let reducedCount: Int

    init(shape: Shape, dims: [Int], reduced: [Bool]) {
        self.shape = shape
        self.dims = dims
        self.reduced = reduced
        var strides = [Int](repeating: 1, count: dims.count)
        for axis in dims.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * dims[axis + 1] }
        let kept = dims.indices.filter { !reduced[$0] }
        let reducedAxes = dims.indices.filter { reduced[$0] }
        keptDims = kept.map { dims[$0] }
        keptStrides = kept.map { strides[$0] }
        reducedDims = reducedAxes.map { dims[$0] }
        reducedStrides = reducedAxes.map { strides[$0] }
        reducedCount = reducedDims.reduce(1, *)
    }

    /// The offset in `x` where output element `index` (row-major, below `shape.count`) starts.
    public func offset(ofOutput index: Int) -> Int { Self.offset(index, keptDims, keptStrides) }

    /// The offset, from an output element's start, of its reduced element `index` (row-major over the reduced axes,
    /// below `reducedCount`).
    public func offset(ofReduced index: Int) -> Int { Self.offset(index, reducedDims, reducedStrides) }

    private static func offset(_ index: Int, _ dims: [Int], _ strides: [Int]) -> Int {
        var rest = index
        var offset = 0
        for axis in dims.indices.reversed() {
            offset += rest % dims[axis] * strides[axis]
            rest /= dims[axis]
        }
        return offset
    }
}
