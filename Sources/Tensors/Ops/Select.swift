/// Shape rules of `Backend.select` (TensorFlow's SelectV2): `condition`, `a` and `b` broadcast together by the rules
/// of `Binary` (aligned at their last axis, each axis equal or 1), and every output element is `a`'s where the
/// condition is not 0 and `b`'s where it is.
///
/// Examples: a condition [N,H,W,C] with scalars a and b gives [N,H,W,C] (a where-mask); a condition [N,1,1,1] picks
/// whole samples of a and b [N,H,W,C]; a scalar condition picks all of a or all of b.
public enum Select {
    /// The most axes the three operands may broadcast over once neighbouring axes that broadcast alike are merged
    /// (`SelectLayout.dims`): `select.comp`'s push constants hold that many, as `binary.comp`'s do.
    public static let maxMergedAxes = Binary.maxMergedAxes

    /// The output shape of `select(condition, a, b)`.
    public static func outputShape(_ condition: Shape, _ a: Shape, _ b: Shape) throws -> Shape {
        try broadcast(condition, a, b).shape
    }

    /// How the output's elements read the condition, `a` and `b`; throws `TensorError.shapeMismatch` when the shapes
    /// do not broadcast (listed as condition, a, b) and `TensorError.unsupported` beyond `maxMergedAxes`.
    public static func broadcast(_ condition: Shape, _ a: Shape, _ b: Shape) throws -> SelectLayout {
        let merged = try Broadcast.merge([condition, a, b], op: "select", maxAxes: maxMergedAxes)
        return SelectLayout(
            shape: merged.shape, dims: merged.dims, conditionStrides: merged.strides[0], aStrides: merged.strides[1],
            bStrides: merged.strides[2], isElementwise: merged.isElementwise)
    }

    /// The reference definition, shared by the CPU backend and the tests: `a` where `condition` is not 0 (NaN is
    /// not 0, so it picks `a`; −0 is 0), else `b`.
    public static func apply(_ condition: Float, _ a: Float, _ b: Float) -> Float { condition != 0 ? a : b }
}

/// Where each output element of a select reads its three operands: the output's axes with neighbours that broadcast
/// alike merged, and per operand the step in its elements along each merged axis, 0 where it is stretched.
public struct SelectLayout: Sendable, Equatable {
    /// The output shape.
    public let shape: Shape
    /// The merged axes, outermost first; their product is the output's element count (empty for one element).
    public let dims: [Int]
    /// Per merged axis, how many of the condition's elements one step along it moves (0 where it is stretched).
    public let conditionStrides: [Int]
    /// Per merged axis, how many of `a`'s elements one step along it moves (0 where `a` is stretched).
    public let aStrides: [Int]
    /// Per merged axis, how many of `b`'s elements one step along it moves (0 where `b` is stretched).
    public let bStrides: [Int]
    /// Nothing is stretched: the three operands and the output hold the same number of elements in the same order.
    public let isElementwise: Bool

    /// The offsets in the condition, `a` and `b` of output element `index` (row-major).
    public func offsets(of index: Int) -> (condition: Int, a: Int, b: Int) {
        var rest = index
        var (condition, a, b) = (0, 0, 0)
        for axis in dims.indices.reversed() {
            let coordinate = rest % dims[axis]
            rest /= dims[axis]
            condition += coordinate * conditionStrides[axis]
            a += coordinate * aStrides[axis]
            b += coordinate * bStrides[axis]
        }
        return (condition, a, b)
    }
}
