/// CReLU as `tf.nn.crelu`: [relu(x), relu(−x)] concatenated on the last axis, doubling it.
public enum CReLU {
    public static func outputShape(_ x: Shape) throws -> Shape {
        guard x.rank >= 1 else { throw TensorError.shapeMismatch(op: "crelu", "scalar input") }
        var dims = x.dims
        dims[dims.count - 1] *= 2
        return Shape(dims)
    }
}
