/// Errors from tensor ops: bad shapes or parameters, mixed backends, non-finite values.
public enum TensorError: Error, CustomStringConvertible, Sendable {
    /// An op was given shapes it cannot combine.
    case shapeMismatch(op: String, String)
    /// A parameter value the op does not support.
    case unsupported(op: String, String)
    /// A tensor from one backend was passed to another.
    case wrongBackend(op: String, expected: String, got: String)
    /// Host data whose element count does not match its shape.
    case invalidData(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let op, let why): return "\(op): shape mismatch: \(why)"
        case .unsupported(let op, let why): return "\(op): unsupported: \(why)"
        case .wrongBackend(let op, let expected, let got):
            return "\(op): tensor belongs to the \(got) backend, not \(expected)"
        case .invalidData(let why): return "invalid tensor data: \(why)"
        }
    }
}
