/// Elementwise functions of `Backend.binary` on two tensors of equal shape.
public enum BinaryOp: Sendable, Equatable {
    /// a + scale·b (residual add; the attention block's x + γ·o).
    case add(scale: Float)
    /// a · b.
    case multiply

    public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add(let scale): return a + scale * b
        case .multiply: return a * b
        }
    }
}

public enum Binary {
    public static func validate(_ a: Shape, _ b: Shape) throws {
        guard a == b else { throw TensorError.shapeMismatch(op: "binary", "\(a) and \(b) differ") }
    }
}
