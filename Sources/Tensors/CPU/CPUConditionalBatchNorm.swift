extension CPUBackend {
    public func conditionalBatchNorm(
        _ x: Tensor, condition: Tensor, parameters p: ConditionalBatchNormParameters,
        activation: Activation
    ) throws -> Tensor {
        try ConditionalBatchNorm.validate(x.shape, condition: condition.shape, p)
        let op = "conditionalBatchNorm"
        let cond = try data(condition, op)
        let wg = try data(p.gainWeight, op)
        let wb = try data(p.biasWeight, op)
        let n = condition.shape[0]
        let k = condition.shape[1]
        let c = x.shape.channels
        // gain = 1 + cond·Wg, bias = cond·Wb, each [N, C], accumulated in Double.
        var gain = [Float](repeating: 0, count: n * c)
        var bias = gain
        for s in 0 ..< n {
            for ch in 0 ..< c {
                var g = 0.0
                var b = 0.0
                for j in 0 ..< k {
                    g += Double(cond[s * k + j]) * Double(wg[j * c + ch])
                    b += Double(cond[s * k + j]) * Double(wb[j * c + ch])
                }
                gain[s * c + ch] = Float(1 + g)
                bias[s * c + ch] = Float(b)
            }
        }
        return try batchNormalized(
            x, op, mean: data(p.mean, op), variance: data(p.variance, op), scale: gain, offset: bias,
            perSampleAffine: true, epsilon: p.epsilon, activation: activation)
    }
}
