import Tensors
import VulkanCompute

extension VulkanBackend {
    public func unary(_ x: Tensor, _ op: UnaryOp) throws -> Tensor {
        let y = try makeTensor(x.shape)
        // unary.comp's OP and PARAMETER
        let specialization: [SpecializationConstant] =
            switch op {
            case .relu: [.int(0), .float(0)]
            case .tanh: [.int(1), .float(0)]
            case .softplus: [.int(2), .float(0)]
            case .negate: [.int(3), .float(0)]
            case .square: [.int(4), .float(0)]
            case .sqrt: [.int(5), .float(0)]
            case .rsqrt: [.int(6), .float(0)]
            case .exp: [.int(7), .float(0)]
            case .log: [.int(8), .float(0)]
            case .sigmoid: [.int(9), .float(0)]
            case .relu6: [.int(10), .float(0)]
            case .leakyRelu(let alpha): [.int(11), .float(alpha)]
            case .elu: [.int(12), .float(0)]
            case .truncate: [.int(13), .float(0)]
            case .round: [.int(14), .float(0)]
            case .floor: [.int(15), .float(0)]
            case .ceil: [.int(16), .float(0)]
            case .abs: [.int(17), .float(0)]
            case .sign: [.int(18), .float(0)]
            case .reciprocal: [.int(19), .float(0)]
            }
        try elementwise("unary", inputs: [x], output: y, specialization: specialization)
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
