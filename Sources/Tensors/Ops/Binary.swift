/// Elementwise functions of `Backend.binary`, applied after broadcasting both operands to one shape (`Binary`).
///
/// Non-finite results follow IEEE 754, as TensorFlow's ops do: x / ±0 is ±∞ for x ≠ 0 and 0 / 0 is NaN; maximum and
/// minimum return NaN when either operand is NaN.
public enum BinaryOp: Sendable, Equatable {
    /// a + scale·b (residual add; the attention block's x + γ·o).
    case add(scale: Float)
    /// a − b (TensorFlow's Sub).
    case subtract
    /// a · b.
    case multiply
    /// a / b, correctly rounded (TensorFlow's RealDiv).
    case divide
    /// The larger of a and b.
    case maximum
    /// The smaller of a and b.
    case minimum

    /// The reference definition, shared by the CPU backend and the tests.
    public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add(let scale): return a + scale * b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .maximum: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        }
    }
}

/// Shape rules of `Backend.binary`: NumPy and TensorFlow broadcasting.
///
/// The shapes are aligned at their last axis, the shorter one padded with leading 1s; on each axis the sizes must be
/// equal or one of them 1, and a 1 is stretched to the other size (so 1 against 0 gives 0). Examples: [N,H,W,C] with
/// [C] or [N,1,1,C] gives [N,H,W,C]; [3,1] with [1,4] gives [3,4]; a scalar [] with anything gives the other shape.
public enum Binary {
    /// The most axes a broadcast may have once neighbouring axes that broadcast alike are merged
    /// (`BroadcastLayout.dims`): the Vulkan shader's push constants hold that many. Any rank up to this is accepted,
    /// and higher ranks whenever they merge down to it.
    public static let maxMergedAxes = 6

    /// The output shape of `binary(a, b, _)`.
    public static func outputShape(_ a: Shape, _ b: Shape) throws -> Shape { try broadcast(a, b).shape }

    /// How the output's elements read `a` and `b`; throws `TensorError.shapeMismatch` when the shapes do not
    /// broadcast and `TensorError.unsupported` beyond `maxMergedAxes`.
    public static func broadcast(_ a: Shape, _ b: Shape) throws -> BroadcastLayout {
        let rank = max(a.rank, b.rank)
        let aDims = [Int](repeating: 1, count: rank - a.rank) + a.dims
        let bDims = [Int](repeating: 1, count: rank - b.rank) + b.dims
        var output: [Int] = []
        for axis in 0 ..< rank {
            let (m, n) = (aDims[axis], bDims[axis])
            guard m == n || m == 1 || n == 1 else {
                throw TensorError.shapeMismatch(
                    op: "binary",
                    "\(a) and \(b) do not broadcast: sizes \(m) and \(n) at axis \(axis - rank) (counted from the "
                        + "last); each axis needs equal sizes or a 1")
            }
            output.append(m == 1 ? n : m)
        }
        // Merge neighbouring axes that stretch the same operands; axes of size 1 everywhere drop out.
        var dims: [Int] = []
        var aStretched: [Bool] = []
        var bStretched: [Bool] = []
        for axis in 0 ..< rank where output[axis] != 1 {
            let (sa, sb) = (aDims[axis] == 1, bDims[axis] == 1)
            if let last = dims.indices.last, aStretched[last] == sa, bStretched[last] == sb {
                dims[last] *= output[axis]
            } else {
                dims.append(output[axis])
                aStretched.append(sa)
                bStretched.append(sb)
            }
        }
        guard dims.count <= maxMergedAxes else {
            throw TensorError.unsupported(
                op: "binary",
                "broadcasting \(a) with \(b) needs \(dims.count) axes after merging; at most \(maxMergedAxes) are "
                    + "supported")
        }
        func strides(_ stretched: [Bool]) -> [Int] {
            var strides = [Int](repeating: 0, count: dims.count)
            var step = 1
            for axis in dims.indices.reversed() where !stretched[axis] {
                strides[axis] = step
                step *= dims[axis]
            }
            return strides
        }
        let shape = Shape(output)
        return BroadcastLayout(
            shape: shape, dims: dims, aStrides: strides(aStretched), bStrides: strides(bStretched),
            isElementwise: a.count == shape.count && b.count == shape.count)
    }
}

/// Where each output element of a broadcast reads its operands: the output's axes with neighbours that broadcast
/// alike merged, and per operand the step in its elements along each merged axis, 0 where it is stretched.
public struct BroadcastLayout: Sendable, Equatable {
    /// The output shape.
    public let shape: Shape
    /// The merged axes, outermost first; their product is the output's element count (empty for one element).
    public let dims: [Int]
    /// Per merged axis, how many of `a`'s elements one step along it moves (0 where `a` is stretched).
    public let aStrides: [Int]
    /// Per merged axis, how many of `b`'s elements one step along it moves (0 where `b` is stretched).
    public let bStrides: [Int]
    /// Nothing is stretched: `a`, `b` and the output hold the same number of elements in the same order.
    public let isElementwise: Bool

    /// The offsets in `a` and `b` of output element `index` (row-major).
    public func offsets(of index: Int) -> (a: Int, b: Int) {
        var rest = index
        var (a, b) = (0, 0)
        for axis in dims.indices.reversed() {
            let coordinate = rest % dims[axis]
            rest /= dims[axis]
            a += coordinate * aStrides[axis]
            b += coordinate * bStrides[axis]
        }
        return (a, b)
    }
}
