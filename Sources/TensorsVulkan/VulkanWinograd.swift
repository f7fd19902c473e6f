import Tensors
import VulkanCompute

extension VulkanBackend {
    /// Winograd F(4×4, 3×3) for a stride-1 undilated 3×3 convolution with any padding (the input transform reads
    /// zeros outside the image, so SAME, VALID and explicit amounts only differ in `padTop`, `padLeft` and the
    /// output size): filter transform (`conv2d_winograd_weights.comp`),
    /// input transform (`conv2d_winograd_input.comp`), 36 batched products [T, Cin]·[Cin, Cout] through `matmul`,
    /// and the output transform with the epilogue (`conv2d_winograd_output.comp`). 4× fewer multiply-adds than
    /// the direct kernels, for extra passes over 2.25× the input and output. The transformed filter is cached
    /// with the weights (`cachesWinogradFilters`).
    func conv2dWinograd(
        _ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions,
        geometry g: Conv2D.Geometry, output y: Tensor
    ) throws {
        let op = "conv2d_winograd"
        let local = elementwiseLocalSize
        let tiles = WinogradTiling(g, elementBytes: elementBytes)
        let transformed =
            cachesWinogradFilters
            ? try winogradFilters.filter(for: try allocation(weight, op)) { try winogradFilter(weight, g) }
            : try winogradFilter(weight, g)
        // The transforms handle four channels per invocation where the channel count allows (fewer, wider loads).
        let inputLanes = g.cin % 4 == 0 ? 4 : 1
        let outputLanes = g.cout % 4 == 0 ? 4 : 1
        let input = try kernel(
            "conv2d_winograd_input", defines: inputLanes == 4 ? [.init("VEC4", "1")] : [], bindings: 2, pushWords: 6,
            specialization: [
                .uint(UInt32(local)), .int(Int32(g.padTop)), .int(Int32(g.padLeft)), .int(Int32(g.upsampling)),
            ])
        let output = try kernel(
            "conv2d_winograd_output", defines: outputLanes == 4 ? [.init("VEC4", "1")] : [], bindings: 4, pushWords: 6,
            specialization: [
                .uint(UInt32(local)), .bool(bias != nil), .bool(residual != nil), .bool(options.activation == .relu),
            ])
        let biasBinding = try bias.map { try binding($0, op, access: .read) }
        for chunk in try tiles.chunks(of: self) {
            let t = chunk.count * tiles.perSample
            let v = try makeTensor([36, t, g.cin])
            var inputPush = PushConstants()
            for value in [g.h, g.w, g.cin / inputLanes, tiles.rows, tiles.columns, t] { inputPush.append(value) }
            try recorder.dispatch(
                input,
                bindings: [try binding(x, op, samples: chunk, access: .read), try binding(v, op, access: .write)],
                push: inputPush, groups: grid1D(t * g.cin / inputLanes, localSize: local), label: "\(op).input")

            // Credited with the direct convolution's FLOPs, as the model's total counts them ("effective" GFLOP/s).
            let m = try matmul(
                v, transformed, bias: nil, options: MatMulOptions(), label: "\(op).product",
                flops: g.flops * Double(chunk.count) / Double(g.n))

            let yBinding = try binding(y, op, samples: chunk, access: .write)
            var outputPush = PushConstants()
            for value in [g.ho, g.wo, g.cout / outputLanes, tiles.rows, tiles.columns, t] { outputPush.append(value) }
            let mBinding = try binding(m, op, access: .read)
            try recorder.dispatch(
                output,
                bindings: [
                    mBinding, biasBinding ?? mBinding,
                    try residual.map { try binding($0, op, samples: chunk, access: .read) } ?? mBinding, yBinding,
                ], push: outputPush, groups: grid1D(t * g.cout / outputLanes, localSize: local), label: "\(op).output")
        }
    }
}

extension VulkanBackend {
    /// U = G g Gᵀ as 36 matrices [Cin, Cout], written in dispatches of whole rows (6 matrices each) that fit the
    /// binding range; each binding starts at an aligned offset and the shader skips `shift` elements.
    private func winogradFilter(_ weight: Tensor, _ g: Conv2D.Geometry) throws -> Tensor {
        let op = "conv2d_winograd"
        let local = elementwiseLocalSize
        let limits = context.limits
        let alignment = max(limits.minStorageBufferOffsetAlignment, 4)
        let rowsPerDispatch = WinogradTiling.filterRowsPerDispatch(g, limits: limits, elementBytes: elementBytes)
        guard rowsPerDispatch >= 1 else {
            throw VulkanError.limitExceeded(
                "\(op): a 3×3 filter of \(g.cin)×\(g.cout) channels exceeds the binding range")
        }
        let transformed = try makeTensor([36, g.cin, g.cout])
        let memory = try allocation(transformed, op)
        let k = try kernel("conv2d_winograd_weights", bindings: 2, pushWords: 4, specialization: [.uint(UInt32(local))])
        let pairs = g.cin * g.cout
        let rowBytes = UInt64(6 * pairs * elementBytes)
        for firstRow in stride(from: 0, to: 6, by: rowsPerDispatch) {
            let rows = min(rowsPerDispatch, 6 - firstRow)
            let start = UInt64(firstRow) * rowBytes
            let alignedStart = start / alignment * alignment
            var push = PushConstants()
            for value in [pairs, firstRow, rows, Int(start - alignedStart) / elementBytes] { push.append(value) }
            let rowsBinding = BufferBinding(
                memory, offset: alignedStart, byteCount: start - alignedStart + UInt64(rows) * rowBytes, access: .write)
            try recorder.dispatch(
                k, bindings: [try binding(weight, op, access: .read), rowsBinding],
                push: push, groups: grid1D(pairs, localSize: local), label: "\(op).weights")
        }
        return transformed
    }
}

/// How a convolution's output is cut into 4×4 Winograd tiles, and when the algorithm applies.
struct WinogradTiling {
    let rows, columns: Int
    let geometry: Conv2D.Geometry
    let elementBytes: Int
    var perSample: Int { rows * columns }

    init(_ g: Conv2D.Geometry, elementBytes: Int) {
        geometry = g
        self.elementBytes = elementBytes
        rows = (g.ho + 3) / 4
        columns = (g.wo + 3) / 4
    }

    /// Bytes of the transformed input and of the products per sample (36 values per tile and channel).
    var workspacePerSample: (input: Int, products: Int) {
        (36 * perSample * geometry.cin * elementBytes, 36 * perSample * geometry.cout * elementBytes)
    }

    /// Whether F(4×4, 3×3) computes this convolution: 3×3, stride 1, dilation 1, and one sample's transformed
    /// tiles and one row (6 of the 36 matrices) of the transformed filter fit a binding. `minimumChannels` keeps
    /// narrow layers (where the transforms cost more than they save) direct.
    static func applies(to g: Conv2D.Geometry, minimumChannels: Int, limits: ComputeLimits, elementBytes: Int) -> Bool {
        guard g.kh == 3, g.kw == 3, g.stride == 1, g.dilation == 1, g.cin >= minimumChannels,
            g.cout >= minimumChannels
        else {
            return false
        }
        let workspace = WinogradTiling(g, elementBytes: elementBytes).workspacePerSample
        return UInt64(max(workspace.input, workspace.products)) <= limits.maxStorageBufferRange
            && filterRowsPerDispatch(g, limits: limits, elementBytes: elementBytes) >= 1
    }

    /// Rows of the transformed filter (6 matrices [Cin, Cout] each, up to all 6) one dispatch writes, such that the
    /// binding, which may start up to one alignment unit early, stays within range.
    static func filterRowsPerDispatch(_ g: Conv2D.Geometry, limits: ComputeLimits, elementBytes: Int) -> Int {
        let rowBytes = UInt64(6 * g.cin * g.cout * elementBytes)
        let alignment = max(limits.minStorageBufferOffsetAlignment, 4)
        guard limits.maxStorageBufferRange > alignment else { return 0 }
        return Int(min(6, (limits.maxStorageBufferRange - alignment) / rowBytes))
    }

    /// Sample ranges processed together: every binding within range and the two workspaces within the
    /// backend's `winogradWorkspaceBytes` (at least one sample).
    func chunks(of backend: VulkanBackend) throws -> [Range<Int>] {
        let g = geometry
        let workspace = workspacePerSample
        let input = g.h * g.w * g.cin * elementBytes
        let output = g.ho * g.wo * g.cout * elementBytes
        return try backend.batchChunks(
            "conv2d_winograd", batch: g.n,
            bytesPerSample: [input, output, output, workspace.input, workspace.products],
            maxSamples: max(1, backend.winogradWorkspaceBytes / (workspace.input + workspace.products)))
    }
}
