import Tensors
import VulkanCompute

extension VulkanBackend {
    public func batchNorm(_ x: Tensor, parameters p: BatchNormParameters, activation: Activation) throws -> Tensor {
        try BatchNorm.validate(x.shape, p)
        for t in [x, p.mean, p.variance] + [p.scale, p.offset].compactMap({ $0 }) { try own(t, "batchNorm") }
        return try batchNormalized(
            x, "batchNorm", mean: p.mean, variance: p.variance, scale: p.scale, offset: p.offset,
            perSampleAffine: false, epsilon: p.epsilon, activation: activation)
    }

    /// Records `batchnorm.comp`: γ and β per channel [C], or per sample [N, C] when `perSampleAffine`
    /// (conditional batch norm); nil means 1 and 0. x and y are split by batch; the parameters are bound whole.
    func batchNormalized(
        _ x: Tensor, _ op: String, mean: Tensor, variance: Tensor, scale: Tensor?, offset: Tensor?,
        perSampleAffine: Bool, epsilon: Float, activation: Activation
    ) throws -> Tensor {
        let y = try makeTensor(x.shape)
        let local = elementwiseLocalSize
        // Four channels per invocation where C allows: one vec4 load per buffer instead of four (lavapipe gathers
        // every load; GPUs get wider transactions).
        let lanes = x.shape.channels % 4 == 0 ? 4 : 1
        let k = try kernel(
            "batchnorm", defines: lanes == 4 ? [.init("VEC4", "1")] : [], bindings: 6, pushWords: 5,
            specialization: [
                .uint(UInt32(local)), .int(activation == .relu ? 1 : 0), .bool(perSampleAffine), .bool(scale != nil),
                .bool(offset != nil),
            ])
        let perSample = x.shape.perSample
        // An absent γ or β is never read; the mean buffer fills its slot.
        let parameters = try [mean, variance, scale ?? mean, offset ?? mean].map { try binding($0, op, access: .read) }
        for chunk in try batchChunks(op, batch: x.shape.batch, bytesPerSample: [perSample * elementBytes]) {
            let count = chunk.count * perSample / lanes
            guard count > 0 else { continue }
            var push = PushConstants()
            push.append(UInt32(count))
            push.append(UInt32(x.shape.channels / lanes))
            push.append(UInt32(perSample / lanes))
            push.append(UInt32(chunk.lowerBound))
            push.append(epsilon)
            let bindings =
                try [binding(x, op, samples: chunk, access: .read)] + parameters
                + [binding(y, op, samples: chunk, access: .write)]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: op)
        }
        return y
    }
}
