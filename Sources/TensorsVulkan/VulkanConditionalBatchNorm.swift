import Tensors
import VulkanCompute

extension VulkanBackend {
    /// Two dispatches: `cbn_affine.comp` computes the temporary gain and bias [N, C], then `batchnorm.comp`
    /// normalises with them in its per-sample mode.
    public func conditionalBatchNorm(
        _ x: Tensor, condition: Tensor, parameters p: ConditionalBatchNormParameters,
        activation: Activation
    ) throws -> Tensor {
        try ConditionalBatchNorm.validate(x.shape, condition: condition.shape, p)
        let op = "conditionalBatchNorm"
        for t in [x, condition, p.mean, p.variance, p.gainWeight, p.biasWeight] { try own(t, op) }
        let n = condition.shape[0]
        let k = condition.shape[1]
        let c = x.shape.channels
        let gain = try makeTensor([n, c])
        let bias = try makeTensor([n, c])
        if n * c > 0 {
            let local = elementwiseLocalSize
            let affine = try kernel("cbn_affine", bindings: 5, pushWords: 3, specialization: [.uint(UInt32(local))])
            var push = PushConstants()
            push.append(UInt32(n * c))
            push.append(UInt32(k))
            push.append(UInt32(c))
            let bindings = try [
                binding(condition, op, access: .read), binding(p.gainWeight, op, access: .read),
                binding(p.biasWeight, op, access: .read),
                binding(gain, op, access: .write), binding(bias, op, access: .write),
            ]
            try recorder.dispatch(
                affine, bindings: bindings, push: push, groups: grid1D(n * c, localSize: local), label: "cbn_affine")
        }
        return try batchNormalized(
            x, op, mean: p.mean, variance: p.variance, scale: gain, offset: bias,
            perSampleAffine: true, epsilon: p.epsilon, activation: activation)
    }
}
