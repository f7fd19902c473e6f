/// Softmax over the last axis, computed as exp(x − max) / Σ exp(x − max).
public enum Softmax {
    public static func validate(_ x: Shape) throws {
        guard x.rank >= 1, x.channels >= 1 else {
            throw TensorError.shapeMismatch(op: "softmax", "empty last axis in \(x)")
        }
    }
}
