import VulkanCompute

extension VulkanBackend {
    /// `attention.comp`: one invocation per query row and block of value channels, walking the keys with an
    /// online softmax, so the [Lq, Lk] scores never reach memory. Split by batch when a tensor exceeds the binding range.
    public func attention(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor {
        let op = "attention"
        let g = try Attention.geometry(query: query.shape, key: key.shape, value: value.shape)
        for t in [query, key, value] { _ = try allocation(t, op) }
        let y = try makeTensor(g.outputShape)
        guard g.outputShape.count > 0 else { return y }
        let tiling = AttentionTiling(geometry: g, device: context.physicalDevice)
        guard tiling.blocks <= Int(context.limits.maxWorkGroupCount.1) else {
            throw VulkanError.limitExceeded("\(op): \(g.valueWidth) value channels need \(tiling.blocks) workgroup rows")
        }
        let aligned = g.depth % 4 == 0 && g.valueWidth % 4 == 0
        let k = try kernel("attention", defines: aligned ? [.init("ALIGNED", "1")] : [], bindings: 4, pushWords: 2, specialization: [
            .uint(UInt32(tiling.localSize)), .int(Int32(g.depth)), .int(Int32(g.valueWidth)),
            .int(Int32(tiling.valueGroups)), .int(Int32(tiling.queryGroups)),
        ])
        var push = PushConstants()
        push.append(UInt32(g.queries)); push.append(UInt32(g.keys))
        let rowGroups = grid1D(g.queries, localSize: tiling.localSize).x
        let bytesPerSample = [g.queries * g.depth, g.keys * g.depth, g.keys * g.valueWidth, g.queries * g.valueWidth].map { $0 * elementBytes }
        for chunk in try batchChunks(op, batch: g.batch, bytesPerSample: bytesPerSample, maxSamples: Int(context.limits.maxWorkGroupCount.2)) {
            let bindings = try [binding(query, op, samples: chunk, access: .read), binding(key, op, samples: chunk, access: .read),
                                binding(value, op, samples: chunk, access: .read), binding(y, op, samples: chunk, access: .write)]
            try recorder.dispatch(k, bindings: bindings, push: push, groups: (rowGroups, tiling.blocks, chunk.count), label: op,
                                  flops: g.flops * Double(chunk.count) / Double(g.batch))
        }
        return y
    }
}

/// How `attention.comp` divides the work: query rows across the lanes of a workgroup, value channels in blocks.
struct AttentionTiling {
    /// Invocations (query rows) per workgroup.
    let localSize = 64
    /// vec4s of value channels per invocation (VB): more means fewer recomputed scores and exps, fewer means more
    /// invocations. CPU devices have few lanes to fill; GPUs need the parallelism at batch 1.
    let valueGroups: Int
    /// Workgroup rows: blocks of 4·valueGroups value channels.
    let blocks: Int
    /// vec4s of the query held in registers (QV); a wider query reads the rest from memory at every key.
    let queryGroups: Int

    /// The most query vec4s kept in registers: D ≤ 64 covers the models (D = C/8).
    static let maxQueryGroups = 16

    init(geometry g: Attention.Geometry, device: PhysicalDevice) {
        let channelGroups = (g.valueWidth + 3) / 4
        valueGroups = min(channelGroups, device.kind == .cpu ? 8 : 2)
        blocks = (channelGroups + valueGroups - 1) / valueGroups
        queryGroups = min((g.depth + 3) / 4, Self.maxQueryGroups)
    }
}
