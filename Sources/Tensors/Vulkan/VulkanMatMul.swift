import VulkanCompute

extension VulkanBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor {
        let op = "matmul"
        let g = try MatMul.geometry(a: a.shape, b: b.shape, bias: bias?.shape, options: options)
        for t in [a, b] + [bias].compactMap({ $0 }) { _ = try allocation(t, op) }
        let c = try makeTensor(g.outputShape)
        guard g.outputShape.count > 0 else { return c }
        let tiling = try GemmTiling(rows: g.m, columns: g.n, depth: g.k, limits: context.limits, op: op)
        let groups = context.limits.maxWorkGroupCount
        let (columnTiles, rowTiles) = ((g.n + tiling.bn - 1) / tiling.bn, (g.m + tiling.bm - 1) / tiling.bm)
        guard columnTiles <= Int(groups.0), rowTiles <= Int(groups.1) else {
            throw VulkanError.limitExceeded("\(op): a \(g.m)×\(g.n) product needs \(columnTiles)×\(rowTiles) workgroups")
        }
        let k = try kernel("matmul", bindings: 4, pushWords: 3, specialization: tiling.specialization + [
            .bool(options.transposeB), .bool(g.batchedB), .bool(bias != nil), .bool(options.activation == .relu),
        ])
        var push = PushConstants()
        for v in [g.m, g.n, g.k] { push.append(v) }
        // Batch items go on z, chunked to the z limit and the binding range; a shared b is bound whole.
        let batchedRank = a.shape.rank == 3
        let chunks = try batchChunks(op, batch: g.batch, bytesPerSample: [g.m * g.k, g.batchedB ? g.k * g.n : 0, g.m * g.n].map { $0 * 4 },
                                     maxSamples: Int(groups.2))
        for chunk in chunks {
            let samples = batchedRank ? chunk : nil
            let bBinding = try binding(b, op, samples: g.batchedB ? chunk : nil, access: .read)
            let bindings = [
                try binding(a, op, samples: samples, access: .read),
                bBinding,
                try bias.map { try binding($0, op, access: .read) } ?? bBinding,
                try binding(c, op, samples: samples, access: .write),
            ]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: (columnTiles, rowTiles, chunk.count), label: op,
                                  flops: g.flops * Double(chunk.count) / Double(g.batch))
        }
        return c
    }
}
