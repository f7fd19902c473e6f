import VulkanCompute

extension VulkanBackend {
    public func globalAveragePool(_ x: Tensor) throws -> Tensor {
        let op = "globalAveragePool"
        let outShape = try GlobalAveragePool.outputShape(x.shape)
        let (_, h, w, c) = try x.shape.nhwc(op)
        try own(x, op)
        let y = try makeTensor(outShape)
        let local = elementwiseLocalSize
        let k = try kernel("global_avg_pool", bindings: 2, pushWords: 4, specialization: [.uint(UInt32(local))])
        for chunk in try batchChunks(op, batch: outShape.batch, bytesPerSample: [x.shape.perSample * 4, c * 4]) {
            let count = chunk.count * c
            guard count > 0 else { continue }
            var push = PushConstants()
            for word in [count, h, w, c] { push.append(word) }
            let bindings = [try binding(x, op, samples: chunk, access: .read), try binding(y, op, samples: chunk, access: .write)]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: op)
        }
        return y
    }
}
