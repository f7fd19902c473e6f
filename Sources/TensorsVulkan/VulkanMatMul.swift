import Foundation
import Tensors
import VulkanCompute

extension VulkanBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor {
        try matmul(a, b, bias: bias, options: options, label: nil)
    }

    /// `matmul` whose dispatches carry `label` in timings (ops built on products name their part) and are credited
    /// with `flops` in total instead of the product's own (Winograd credits the direct convolution's).
    func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions, label: String?, flops: Double? = nil)
        throws -> Tensor
    {
        let op = "matmul"
        let g = try MatMul.geometry(a: a.shape, b: b.shape, bias: bias?.shape, options: options)
        for t in [a, b] + [bias].compactMap({ $0 }) { _ = try allocation(t, op) }
        let c = try makeTensor(g.outputShape)
        guard g.outputShape.count > 0 else { return c }
        if MatMulAlgorithm.useDirect(rows: g.m, device: context.physicalDevice, choice: kernelChoice) {
            try matmulDirect(
                a, b, bias: bias, options: options, geometry: g, output: c, label: label, flops: flops ?? g.flops)
            return c
        }
        let tiling = try GemmTiling(
            rows: g.m, columns: g.n, depth: g.k, items: g.batch, device: context.physicalDevice, op: op)
        let groups = context.limits.maxWorkGroupCount
        let (columnTiles, rowTiles) = ((g.n + tiling.bn - 1) / tiling.bn, (g.m + tiling.bm - 1) / tiling.bm)
        guard columnTiles <= Int(groups.0), rowTiles <= Int(groups.1) else {
            throw VulkanError.limitExceeded(
                "\(op): a \(g.m)×\(g.n) product needs \(columnTiles)×\(rowTiles) workgroups")
        }
        let vectors = GemmTiling.vectorDefines(a: g.k, b: options.transposeB ? g.k : g.n, c: g.n)
        let k = try kernel(
            "matmul", defines: vectors, bindings: 4, pushWords: 3,
            specialization: tiling.specialization + [
                .bool(options.transposeB), .bool(g.batchedB), .bool(bias != nil), .bool(options.activation == .relu),
            ])
        var push = PushConstants()
        for v in [g.m, g.n, g.k] { push.append(v) }
        for (chunk, bindings) in try matmulChunks(op, a, b, bias, c, g) {
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: (columnTiles, rowTiles, chunk.count), label: label ?? op,
                flops: (flops ?? g.flops) * Double(chunk.count) / Double(g.batch))
        }
        return c
    }
}

extension VulkanBackend {
    /// Direct kernel (`matmul_direct.comp`): four columns and up to 16 rows per invocation, no shared memory.
    private func matmulDirect(
        _ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions, geometry g: MatMul.Geometry,
        output c: Tensor, label: String?, flops: Double
    ) throws {
        let op = "matmul_direct"
        let groups = context.limits.maxWorkGroupCount
        // Exactly M rows for small products: lavapipe runs the row loop with masks, so unused rows would cost full price.
        let tm = g.m <= 8 ? g.m : MatMulAlgorithm.directRowsPerInvocation
        let columnGroups = (g.n + 3) / 4
        let local = min(64, columnGroups)
        let rowBlocks = (g.m + tm - 1) / tm
        guard rowBlocks <= Int(groups.1), (columnGroups + local - 1) / local <= Int(groups.0) else {
            throw VulkanError.limitExceeded("\(op): a \(g.m)×\(g.n) product needs too many workgroups")
        }
        let aligned = g.n % 4 == 0 && !options.transposeB
        var defines: [KernelDescriptor.Define] = aligned ? [.init("ALIGNED", "1")] : []
        if g.k % 4 == 0 { defines.append(.init("A_VEC4", "1")) }
        let k = try kernel(
            "matmul_direct", defines: defines, bindings: 4, pushWords: 3,
            specialization: [
                .uint(UInt32(local)), .int(Int32(tm)), .bool(options.transposeB), .bool(g.batchedB), .bool(bias != nil),
                .bool(options.activation == .relu),
            ])
        var push = PushConstants()
        for v in [g.m, g.n, g.k] { push.append(v) }
        for (chunk, bindings) in try matmulChunks(op, a, b, bias, c, g) {
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: ((columnGroups + local - 1) / local, rowBlocks, chunk.count),
                label: label ?? op, flops: flops * Double(chunk.count) / Double(g.batch))
        }
    }
}

extension VulkanBackend {
    /// Batch items go on z, chunked to the z limit and the binding range; a shared b is bound whole. Returns each
    /// chunk with the bindings both matmul shaders take: a, b, bias (b when absent, then ignored), c.
    fileprivate func matmulChunks(
        _ op: String, _ a: Tensor, _ b: Tensor, _ bias: Tensor?, _ c: Tensor,
        _ g: MatMul.Geometry
    ) throws -> [(Range<Int>, [BufferBinding])] {
        let chunks = try batchChunks(
            op, batch: g.batch,
            bytesPerSample: [g.m * g.k, g.batchedB ? g.k * g.n : 0, g.m * g.n].map { $0 * elementBytes },
            maxSamples: Int(context.limits.maxWorkGroupCount.2))
        let batchedRank = a.shape.rank == 3
        return try chunks.map { chunk in
            let samples = batchedRank ? chunk : nil
            let bBinding = try binding(b, op, samples: g.batchedB ? chunk : nil, access: .read)
            return (
                chunk,
                [
                    try binding(a, op, samples: samples, access: .read),
                    bBinding,
                    try bias.map { try binding($0, op, access: .read) } ?? bBinding,
                    try binding(c, op, samples: samples, access: .write),
                ]
            )
        }
    }
}

/// When a product runs without tiles: few rows (a linear layer at small batch), or a CPU Vulkan device where
/// the direct kernels are faster; the backend's `kernelChoice` choice pins either for tests.
enum MatMulAlgorithm {
    /// Rows per invocation of the direct kernel for products of more than 8 rows, as in the direct convolution;
    /// 8, 16 and 32 performed alike on lavapipe (BENCHMARKS.md, Tuning measurements).
    static let directRowsPerInvocation = 16

    static func useDirect(rows: Int, device: PhysicalDevice, choice: KernelChoice) -> Bool {
        switch choice {
        case .tiledGEMM: return false
        case .direct: return true
        case .automatic: return rows <= 8 || device.kind == .cpu
        }
    }
}
