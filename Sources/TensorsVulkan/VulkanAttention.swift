import Tensors
import VulkanCompute

extension VulkanBackend {
    /// `attention.comp`: invocations own query rows and blocks of value channels and walk the keys with an online
    /// softmax, so the [Lq, Lk] scores never reach memory. Split by batch when a tensor exceeds the binding range.
    public func attention(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor {
        let op = "attention"
        let g = try Attention.geometry(query: query.shape, key: key.shape, value: value.shape)
        for t in [query, key, value] { _ = try allocation(t, op) }
        let y = try makeTensor(g.outputShape)
        guard g.outputShape.count > 0 else { return y }
        let tiling = AttentionTiling(
            geometry: g, profile: attentionProfile ?? (context.physicalDevice.kind == .cpu ? .cpu : .gpu))
        guard tiling.blocks <= Int(context.limits.maxWorkGroupCount.1) else {
            throw VulkanError.limitExceeded(
                "\(op): \(g.valueWidth) value channels need \(tiling.blocks) workgroup rows")
        }
        let aligned = g.depth % 4 == 0 && g.valueWidth % 4 == 0
        let k = try kernel(
            "attention", defines: aligned ? [.init("ALIGNED", "1")] : [], bindings: 4, pushWords: 2,
            specialization: [
                .uint(UInt32(tiling.localSize)), .int(Int32(g.depth)), .int(Int32(g.valueWidth)),
                .int(Int32(tiling.valueGroups)),
                .int(Int32(tiling.queryGroups)), .int(Int32(tiling.rowsPerInvocation)), .bool(tiling.rescalesEveryKey),
            ])
        var push = PushConstants()
        push.append(UInt32(g.queries))
        push.append(UInt32(g.keys))
        let rowGroups = grid1D(g.queries, localSize: tiling.localSize * tiling.rowsPerInvocation).x
        let bytesPerSample = [g.queries * g.depth, g.keys * g.depth, g.keys * g.valueWidth, g.queries * g.valueWidth]
            .map { $0 * elementBytes }
        for chunk in try batchChunks(
            op, batch: g.batch, bytesPerSample: bytesPerSample, maxSamples: Int(context.limits.maxWorkGroupCount.2))
        {
            let bindings = try [
                binding(query, op, samples: chunk, access: .read), binding(key, op, samples: chunk, access: .read),
                binding(value, op, samples: chunk, access: .read), binding(y, op, samples: chunk, access: .write),
            ]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: (rowGroups, tiling.blocks, chunk.count), label: op,
                flops: g.flops * Double(chunk.count) / Double(g.batch))
        }
        return y
    }
}

/// How `attention.comp` divides the work: query rows across the lanes of a workgroup (and several per lane on CPU
/// devices), value channels in blocks on workgroup rows.
struct AttentionTiling {
    /// Few wide invocations for CPU devices, where loads in loops are per-lane gathers; many narrow ones for GPUs.
    enum Profile: Sendable, CaseIterable { case cpu, gpu }

    /// Invocations per workgroup (LX).
    let localSize: Int
    /// Query rows per invocation (TQ): each key and value load serves this many rows.
    let rowsPerInvocation: Int
    /// vec4s of value channels per invocation (VB): more means fewer recomputed scores, fewer means more invocations.
    let valueGroups: Int
    /// Workgroup rows: blocks of 4·valueGroups value channels.
    let blocks: Int
    /// vec4s of each query held in registers (QV); a wider query reads the rest from memory at every key.
    let queryGroups: Int
    /// Whether the online softmax rescales at every key instead of branching on a new maximum.
    let rescalesEveryKey: Bool

    /// The most query vec4s kept in registers: D ≤ 64 covers the models (D = C/8).
    static let maxQueryGroups = 16

    /// CPU devices: 16 query rows per invocation and rescaling at every key (no branch on a new maximum) were each
    /// much faster on lavapipe than one row and the branch; 8 to 64 lanes performed alike, so 16 leaves workgroups
    /// for more cores (measurements in BENCHMARKS.md, Tuning measurements).
    init(geometry g: Attention.Geometry, profile: Profile) {
        switch profile {
        case .cpu: (localSize, rowsPerInvocation, rescalesEveryKey) = (16, 16, true)
        case .gpu: (localSize, rowsPerInvocation, rescalesEveryKey) = (64, 1, false)
        }
        let channelGroups = (g.valueWidth + 3) / 4
        valueGroups = min(channelGroups, profile == .cpu ? 8 : 2)
        blocks = (channelGroups + valueGroups - 1) / valueGroups
        queryGroups = min((g.depth + 3) / 4, Self.maxQueryGroups)
    }
}
