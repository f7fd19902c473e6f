/// Parameters of BigGAN's conditional batch norm: stored statistics and the two linear maps from the
/// condition vector to per-sample gain and bias (no bias terms of their own).
public struct ConditionalBatchNormParameters {
    public var mean: Tensor
    public var variance: Tensor
    /// [K, C]: gain = 1 + c · gainWeight.
    public var gainWeight: Tensor
    /// [K, C]: bias = c · biasWeight.
    public var biasWeight: Tensor
    public var epsilon: Float

    public init(mean: Tensor, variance: Tensor, gainWeight: Tensor, biasWeight: Tensor, epsilon: Float) {
        self.mean = mean
        self.variance = variance
        self.gainWeight = gainWeight
        self.biasWeight = biasWeight
        self.epsilon = epsilon
    }
}

/// `y[n,…,c] = act((x − mean[c]) / sqrt(var[c] + ε) · (1 + (c_n·Wg)[c]) + (c_n·Wb)[c])`, x [N,…,C], condition [N,K].
public enum ConditionalBatchNorm {
    public static func validate(_ x: Shape, condition: Shape, _ p: ConditionalBatchNormParameters) throws {
        let op = "conditionalBatchNorm"
        guard x.rank >= 2 else { throw TensorError.shapeMismatch(op: op, "input must have rank ≥ 2, got \(x)") }
        let c = x.channels
        guard condition.rank == 2, condition[0] == x.batch else {
            throw TensorError.shapeMismatch(op: op, "condition must be [\(x.batch),K], got \(condition)")
        }
        let k = condition[1]
        for (name, t) in [("gainWeight", p.gainWeight), ("biasWeight", p.biasWeight)] where t.shape != [k, c] {
            throw TensorError.shapeMismatch(op: op, "\(name) must be [\(k),\(c)], got \(t.shape)")
        }
        for (name, t) in [("mean", p.mean), ("variance", p.variance)] where t.shape != [c] {
            throw TensorError.shapeMismatch(op: op, "\(name) must be [\(c)], got \(t.shape)")
        }
        guard p.epsilon >= 0, p.epsilon.isFinite else { throw TensorError.unsupported(op: op, "epsilon \(p.epsilon)") }
    }
}
