import Tensors
import VulkanCompute

extension VulkanBackend {
    public func unary(_ x: Tensor, _ op: UnaryOp) throws -> Tensor {
        let y = try makeTensor(x.shape)
        try elementwise("unary", inputs: [x], output: y, specialization: [.int(op.rawValue)])
        return y
    }

    /// Dispatches a 1-D grid-stride shader with one invocation per output element (bindings: inputs…, output;
    /// push: the element count of the dispatch, then `parameters`), chunked by batch when a tensor exceeds the
    /// binding range.
    func elementwise(
        _ shader: String, inputs: [Tensor], output: Tensor, specialization: [SpecializationConstant] = [],
        parameters: PushConstants = PushConstants(), label: String? = nil
    ) throws {
        let local = elementwiseLocalSize
        let k = try kernel(
            shader, bindings: inputs.count + 1, pushWords: 1 + parameters.words.count,
            specialization: [.uint(UInt32(local))] + specialization)
        let batch = output.shape.rank > 0 ? output.shape.batch : 1
        let tensors = inputs + [output]
        for chunk in try batchChunks(
            shader, batch: batch, bytesPerSample: tensors.map { $0.shape.perSample * elementBytes })
        {
            let count = chunk.count * output.shape.perSample
            guard count > 0 else { continue }
            var push = PushConstants()
            push.append(UInt32(count))
            for word in parameters.words { push.append(word) }
            let bindings =
                try inputs.map { try binding($0, shader, samples: chunk, access: .read) }
                + [try binding(output, shader, samples: chunk, access: .write)]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: label ?? shader)
        }
    }
}
