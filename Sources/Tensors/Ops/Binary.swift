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
    /// 1 where a > b, else 0 (TensorFlow's Greater with its boolean held as a float); false when either is NaN.
    case greater
    /// 1 where a ≥ b, else 0; false when either is NaN.
    case greaterEqual
    /// 1 where a < b, else 0; false when either is NaN.
    case less
    /// 1 where a ≤ b, else 0; false when either is NaN.
    case lessEqual
    /// 1 where a = b, else 0; false when either is NaN.
    case equal
    /// 1 where a ≠ b, else 0; true when either is NaN.
    case notEqual

    /// The reference definition, shared by the CPU backend and the tests.
    public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add(let scale): return a + scale * b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .maximum: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        case .greater: return a > b ? 1 : 0
        case .greaterEqual: return a >= b ? 1 : 0
        case .less: return a < b ? 1 : 0
        case .lessEqual: return a <= b ? 1 : 0
        case .equal: return a == b ? 1 : 0
        case .notEqual: return a != b ? 1 : 0
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
        let merged = try Broadcast.merge([a, b], op: "binary", maxAxes: maxMergedAxes)
        return BroadcastLayout(
            shape: merged.shape, dims: merged.dims, aStrides: merged.strides[0], bStrides: merged.strides[1],
            isElementwise: merged.isElementwise)
    }
}

/// NumPy and TensorFlow broadcasting of any number of operands, shared by `Binary` and `Select`.
enum Broadcast {
    /// The output shape of `shapes` broadcast together, its axes with neighbours that broadcast alike merged
    /// (`dims`, outermost first; axes of size 1 everywhere dropped) and per operand its step in elements along each
    /// merged axis (0 where it is stretched). Throws `TensorError.shapeMismatch` when the shapes do not broadcast and
    /// `TensorError.unsupported` beyond `maxAxes` merged axes.
    static func merge(_ shapes: [Shape], op: String, maxAxes: Int) throws -> (
        shape: Shape, dims: [Int], strides: [[Int]], isElementwise: Bool
    ) {
        let rank = shapes.map(\.rank).max() ?? 0
        let padded = shapes.map { [Int](repeating: 1, count: rank - $0.rank) + $0.dims }
        var output: [Int] = []
        for axis in 0 ..< rank {
            let sizes = padded.map { $0[axis] }
            let size = sizes.first { $0 != 1 } ?? 1
            guard sizes.allSatisfy({ $0 == size || $0 == 1 }) else {
                throw TensorError.shapeMismatch(
                    op: op,
                    "\(listed(shapes.map(\.description))) do not broadcast: sizes "
                        + "\(listed(sizes.map(String.init))) at axis \(axis - rank) (counted from the last); each axis "
                        + "needs equal sizes or a 1")
            }
            output.append(size)
        }
        // Merge neighbouring axes that stretch the same operands; axes of size 1 everywhere drop out.
        var dims: [Int] = []
        var stretched: [[Bool]] = []
        for axis in 0 ..< rank where output[axis] != 1 {
            let pattern = padded.map { $0[axis] == 1 }
            if let last = stretched.last, last == pattern {
                dims[dims.count - 1] *= output[axis]
            } else {
                dims.append(output[axis])
                stretched.append(pattern)
            }
        }
        guard dims.count <= maxAxes else {
            throw TensorError.unsupported(
                op: op,
                "broadcasting \(listed(shapes.map(\.description))) needs \(dims.count) axes after "
                    + "merging; at most \(maxAxes) are supported")
        }
        let strides = shapes.indices.map { operand in
            var strides = [Int](repeating: 0, count: dims.count)
            var step = 1
            for axis in dims.indices.reversed() where !stretched[axis][operand] {
                strides[axis] = step
                step *= dims[axis]
            }
            return strides
        }
        let shape = Shape(output)
        return (shape, dims, strides, shapes.allSatisfy { $0.count == shape.count })
    }

    /// "x and y", "x, y and z".
    private static func listed(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
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
