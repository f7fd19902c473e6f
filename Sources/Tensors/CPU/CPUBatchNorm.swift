extension CPUBackend {
    public func batchNorm(_ x: Tensor, parameters p: BatchNormParameters, activation: Activation) throws -> Tensor {
        try BatchNorm.validate(x.shape, p)
        let op = "batchNorm"
        return try batchNormalized(
            x, op, mean: data(p.mean, op), variance: data(p.variance, op),
            scale: p.scale.map { try data($0, op) }, offset: p.offset.map { try data($0, op) },
            perSampleAffine: false, epsilon: p.epsilon, activation: activation)
    }

    /// `act((x − mean) · (1/sqrt(var + ε) · γ) + β)` over the last axis, the formula and order of `batchnorm.comp`.
    /// γ and β are per channel [C], or per sample [N·C] when `perSampleAffine`; nil means 1 and 0.
    func batchNormalized(
        _ x: Tensor, _ op: String, mean: [Float], variance: [Float], scale: [Float]?, offset: [Float]?,
        perSampleAffine: Bool, epsilon: Float, activation: Activation
    ) throws -> Tensor {
        let input = try data(x, op)
        let c = x.shape.channels
        let rows = x.shape.count / max(c, 1)
        let rowsPerSample = x.shape.perSample / max(c, 1)
        let inverse = (0 ..< c).map { 1 / (variance[$0] + epsilon).squareRoot() }
        return make(x.shape) { y in
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(rows) { row in
                let affineBase = perSampleAffine ? row / rowsPerSample * c : 0
                for ch in 0 ..< c {
                    let gamma = scale?[affineBase + ch] ?? 1
                    let beta = offset?[affineBase + ch] ?? 0
                    let v = (input[row * c + ch] - mean[ch]) * (inverse[ch] * gamma) + beta
                    out.value[row * c + ch] = activation == .relu ? max(v, 0) : v
                }
            }
        }
    }
}
