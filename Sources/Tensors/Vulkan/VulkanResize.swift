import VulkanCompute

extension VulkanBackend {
    public func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor {
        let op = "resize"
        let outShape = try Resize.outputShape(x.shape, options)
        let (_, h, w, c) = try x.shape.nhwc(op)
        try own(x, op)
        let y = try makeTensor(outShape)
        let local = elementwiseLocalSize
        let k = try kernel("resize", bindings: 2, pushWords: 7, specialization: [
            .uint(UInt32(local)), .int(options.method.rawValue), .int(options.coordinates.rawValue),
        ])
        for chunk in try batchChunks(op, batch: outShape.batch, bytesPerSample: [x.shape.perSample * 4, outShape.perSample * 4]) {
            let count = chunk.count * outShape.perSample
            guard count > 0 else { continue }
            var push = PushConstants()
            for word in [count, h, w, options.height, options.width, c] { push.append(word) }
            push.append(options.cubicCoefficient)
            let bindings = [try binding(x, op, samples: chunk, access: .read), try binding(y, op, samples: chunk, access: .write)]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: op)
        }
        return y
    }
}
