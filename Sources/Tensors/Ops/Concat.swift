/// Shape rules of `Backend.concat`: TensorFlow's ConcatV2 with the axis already non-negative.
///
/// Every input has the same rank ≥ 1 and the same sizes off `axis`; the output's size along `axis` is the sum of
/// theirs, the inputs following each other in order. Inputs with no elements are allowed (they add nothing).
public enum Concat {
    /// The output shape of `concat(xs, axis:)`. Throws `TensorError.unsupported` without inputs or for an output
    /// too large to count, `TensorError.shapeMismatch` for an axis outside the inputs' rank or inputs that differ
    /// in rank or off the axis.
    public static func outputShape(_ shapes: [Shape], axis: Int) throws -> Shape {
        let op = "concat"
        guard let first = shapes.first else { throw TensorError.unsupported(op: op, "no inputs") }
        guard 0 <= axis, axis < first.rank else {
            throw TensorError.shapeMismatch(op: op, "axis \(axis) outside 0..<\(first.rank) of \(first)")
        }
        var dims = first.dims
        for (index, shape) in shapes.enumerated().dropFirst() {
            guard shape.rank == first.rank,
                zip(shape.dims, first.dims).enumerated().allSatisfy({
                    $0.offset == axis || $0.element.0 == $0.element.1
                })
            else {
                throw TensorError.shapeMismatch(
                    op: op, "input \(index) \(shape) differs from input 0 \(first) off axis \(axis)")
            }
            let (sum, overflow) = dims[axis].addingReportingOverflow(shape.dims[axis])
            guard !overflow else { throw TensorError.unsupported(op: op, "axis \(axis) is too long") }
            dims[axis] = sum
        }
        let output = Shape(dims)
        var count = 1
        for size in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TensorError.unsupported(op: op, "output \(output) is too large to count") }
            count = product
        }
        return output
    }
}
