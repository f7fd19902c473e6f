/// Stored statistics and optional affine parameters of an inference batch norm over the last axis.
public struct BatchNormParameters {
    public var mean: Tensor
    public var variance: Tensor
    /// γ; nil means 1 (affine-free).
    public var scale: Tensor?
    /// β; nil means 0.
    public var offset: Tensor?
    public var epsilon: Float

    public init(mean: Tensor, variance: Tensor, scale: Tensor? = nil, offset: Tensor? = nil, epsilon: Float) {
        self.mean = mean
        self.variance = variance
        self.scale = scale
        self.offset = offset
        self.epsilon = epsilon
    }
}

/// `y = act((x − mean) / sqrt(var + ε) · γ + β)` per channel (last axis), any rank ≥ 2.
public enum BatchNorm {
    public static func validate(_ x: Shape, _ p: BatchNormParameters) throws {
        let op = "batchNorm"
        guard x.rank >= 2 else { throw TensorError.shapeMismatch(op: op, "input must have rank ≥ 2, got \(x)") }
        let c = x.channels
        for (name, t) in [("mean", p.mean), ("variance", p.variance), ("scale", p.scale), ("offset", p.offset)] {
            if let t, t.shape != [c] {
                throw TensorError.shapeMismatch(op: op, "\(name) must be [\(c)], got \(t.shape)")
            }
        }
        guard p.epsilon >= 0, p.epsilon.isFinite else { throw TensorError.unsupported(op: op, "epsilon \(p.epsilon)") }
    }
}
