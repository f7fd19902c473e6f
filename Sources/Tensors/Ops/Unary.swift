import Foundation

/// Elementwise functions of `Backend.unary`.
public enum UnaryOp: Int32, Sendable, CaseIterable {
    case relu = 0
    case tanh = 1
    /// log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|).
    case softplus = 2

    /// The reference definition, shared by the CPU backend and the tests.
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return max(x, 0)
        case .tanh: return Foundation.tanh(x)
        case .softplus: return max(x, 0) + log1p(exp(-abs(x)))
        }
    }
}
