/// Options of `Backend.matmul`.
public struct MatMulOptions: Sendable, Equatable {
    /// Use bᵀ: b is [N,K] or [B,N,K].
    public var transposeB: Bool
    public var activation: Activation

    public init(transposeB: Bool = false, activation: Activation = .none) {
        self.transposeB = transposeB
        self.activation = activation
    }
}

/// Shape rules of the batched matrix product: a [M,K] or [B,M,K]; b [K,N] (shared by every batch item) or
/// [B,K,N]; transposed b [N,K] or [B,N,K]; bias [N]. Output [M,N] or [B,M,N]. A linear layer is
/// `matmul(x [N,in], w [in,out], bias [out])` with TF's [in,out] weight layout.
public enum MatMul {
    public struct Geometry: Sendable {
        public let batch, m, k, n: Int
        /// Whether b has a batch dimension (otherwise it is shared).
        public let batchedB: Bool
        public let outputShape: Shape
        public var flops: Double { 2 * Double(batch) * Double(m) * Double(n) * Double(k) }
    }

    public static func geometry(a: Shape, b: Shape, bias: Shape?, options: MatMulOptions) throws -> Geometry {
        let op = "matmul"
        guard a.rank == 2 || a.rank == 3 else {
            throw TensorError.shapeMismatch(op: op, "a must be [M,K] or [B,M,K], got \(a)")
        }
        guard b.rank == 2 || b.rank == 3 else {
            throw TensorError.shapeMismatch(op: op, "b must be rank 2 or 3, got \(b)")
        }
        let batch = a.rank == 3 ? a[0] : 1
        let (m, k) = (a[-2], a[-1])
        let (bk, n) = options.transposeB ? (b[-1], b[-2]) : (b[-2], b[-1])
        guard k >= 1 else { throw TensorError.unsupported(op: op, "empty contraction: K = 0 in \(a)") }
        guard bk == k else {
            throw TensorError.shapeMismatch(
                op: op, "a is \(a) but b is \(b)\(options.transposeB ? " (transposed)" : "")")
        }
        if b.rank == 3 {
            guard a.rank == 3, b[0] == batch else {
                throw TensorError.shapeMismatch(op: op, "batch of a \(a) and b \(b) differ")
            }
        }
        if let bias, bias != [n] { throw TensorError.shapeMismatch(op: op, "bias must be [\(n)], got \(bias)") }
        let out: Shape = a.rank == 3 ? [batch, m, n] : [m, n]
        return Geometry(batch: batch, m: m, k: k, n: n, batchedB: b.rank == 3, outputShape: out)
    }
}
