import VulkanCompute

extension VulkanBackend {
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws -> Tensor {
        let op = "conv2d"
        let g = try Conv2D.geometry(input: x.shape, weight: weight.shape, bias: bias?.shape, residual: residual?.shape, options: options)
        for t in [x, weight] + [bias, residual].compactMap({ $0 }) { _ = try allocation(t, op) }
        let y = try makeTensor(g.outputShape)
        let pixels = g.ho * g.wo
        let tiling = try GemmTiling(rows: g.n * pixels, columns: g.cout, depth: g.kh * g.kw * g.cin, limits: context.limits, op: op)
        let k = try kernel("conv2d", bindings: 5, pushWords: 7, specialization: tiling.specialization + [
            .int(Int32(g.kh)), .int(Int32(g.kw)), .int(Int32(g.stride)), .int(Int32(g.padTop)), .int(Int32(g.padLeft)),
            .bool(bias != nil), .bool(residual != nil), .bool(options.activation == .relu),
        ])
        let maxRowTiles = Int(context.limits.maxWorkGroupCount.1)
        let columnTiles = (g.cout + tiling.bn - 1) / tiling.bn
        guard columnTiles <= Int(context.limits.maxWorkGroupCount.0) else {
            throw VulkanError.limitExceeded("\(op): \(g.cout) output channels need \(columnTiles) workgroups in x")
        }
        guard maxRowTiles * tiling.bm >= pixels else {
            throw VulkanError.limitExceeded("\(op): \(g.ho)×\(g.wo) output pixels per sample need more than \(maxRowTiles) workgroups in y")
        }
        // Each chunk's rows (pixels) must fit the y workgroup count; the weight and bias are bound whole.
        let batched = [x.shape.perSample, pixels * g.cout, residual == nil ? 0 : pixels * g.cout].map { $0 * 4 }
        let chunks = try batchChunks(op, batch: g.n, bytesPerSample: batched, maxSamples: maxRowTiles * tiling.bm / pixels)
        let weightBinding = try binding(weight, op, access: .read)
        for chunk in chunks {
            var push = PushConstants()
            for v in [chunk.count, g.h, g.w, g.cin, g.ho, g.wo, g.cout] { push.append(v) }
            let bindings = [
                try binding(x, op, samples: chunk, access: .read),
                weightBinding,
                try bias.map { try binding($0, op, access: .read) } ?? weightBinding,
                try residual.map { try binding($0, op, samples: chunk, access: .read) } ?? weightBinding,
                try binding(y, op, samples: chunk, access: .write),
            ]
            let rowTiles = (chunk.count * pixels + tiling.bm - 1) / tiling.bm
            try recorder.dispatch(k, bindings: bindings, push: push, groups: (columnTiles, rowTiles, 1), label: op)
        }
        return y
    }
}
