import VulkanCompute

extension VulkanBackend {
    public func pool2d(_ x: Tensor, options: Pool2DOptions) throws -> Tensor {
        let op = "pool2d"
        let g = try Pool2D.geometry(x.shape, options)
        try own(x, op)
        let outShape = g.outputShape
        let y = try makeTensor(outShape)
        let local = elementwiseLocalSize
        let k = try kernel("pool2d", bindings: 2, pushWords: 8, specialization: [
            .uint(UInt32(local)), .int(options.kind.rawValue), .int(Int32(options.window)), .int(Int32(options.stride)),
        ])
        for chunk in try batchChunks(op, batch: g.n, bytesPerSample: [x.shape.perSample * 4, outShape.perSample * 4]) {
            let count = chunk.count * outShape.perSample
            guard count > 0 else { continue }
            var push = PushConstants()
            for word in [count, g.h, g.w, g.c, g.ho, g.wo, g.padTop, g.padLeft] { push.append(word) }
            let bindings = [try binding(x, op, samples: chunk, access: .read), try binding(y, op, samples: chunk, access: .write)]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: op)
        }
        return y
    }
}
