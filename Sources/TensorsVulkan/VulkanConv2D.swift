import Foundation
import Tensors
import VulkanCompute

extension VulkanBackend {
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws
        -> Tensor
    {
        let op = "conv2d"
        let g = try Conv2D.geometry(
            input: x.shape, weight: weight.shape, bias: bias?.shape, residual: residual?.shape, options: options)
        for t in [x, weight] + [bias, residual].compactMap({ $0 }) { _ = try allocation(t, op) }
        let y = try makeTensor(g.outputShape)
        if winogradChoice.applies(to: g, device: context.physicalDevice, elementBytes: elementBytes) {
            try conv2dWinograd(
                x, weight: weight, bias: bias, residual: residual, options: options, geometry: g, output: y)
            return y
        }
        switch kernelChoice.resolved(for: g, device: context.physicalDevice) {
        case .direct:
            try conv2dDirect(
                x, weight: weight, bias: bias, residual: residual, options: options, geometry: g, output: y)
        case .tiledGEMM:
            try conv2dTiledGEMM(
                x, weight: weight, bias: bias, residual: residual, options: options, geometry: g, output: y)
        }
        return y
    }

    /// Implicit GEMM with shared-memory tiles (`conv2d.comp`): the algorithm for GPUs.
    private func conv2dTiledGEMM(
        _ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions,
        geometry g: Conv2D.Geometry, output y: Tensor
    ) throws {
        let op = "conv2d"
        let pixels = g.ho * g.wo
        let tiling = try GemmTiling(
            rows: g.n * pixels, columns: g.cout, depth: g.kh * g.kw * g.cin, device: context.physicalDevice, op: op)
        let vectors = GemmTiling.vectorDefines(a: g.cin, b: g.cout, c: g.cout)
        let k = try kernel(
            "conv2d", defines: vectors, bindings: 5, pushWords: 7,
            specialization: tiling.specialization + [
                .int(Int32(g.kh)), .int(Int32(g.kw)), .int(Int32(g.stride)), .int(Int32(g.padTop)),
                .int(Int32(g.padLeft)),
                .bool(bias != nil), .bool(residual != nil), .bool(options.activation == .relu),
                .int(Int32(g.upsampling)), .int(Int32(g.dilation)),
            ])
        let maxRowTiles = Int(context.limits.maxWorkGroupCount.1)
        let columnTiles = (g.cout + tiling.bn - 1) / tiling.bn
        guard columnTiles <= Int(context.limits.maxWorkGroupCount.0) else {
            throw VulkanError.limitExceeded("\(op): \(g.cout) output channels need \(columnTiles) workgroups in x")
        }
        guard maxRowTiles * tiling.bm >= pixels else {
            throw VulkanError.limitExceeded(
                "\(op): \(g.ho)×\(g.wo) output pixels per sample need more than \(maxRowTiles) workgroups in y")
        }
        // Each chunk's rows (pixels) must fit the y workgroup count.
        for (chunk, bindings) in try convChunks(
            op, x, weight, bias, residual, y, g, maxSamples: maxRowTiles * tiling.bm / pixels)
        {
            var push = PushConstants()
            for v in [chunk.count, g.h, g.w, g.cin, g.ho, g.wo, g.cout] { push.append(v) }
            let rowTiles = (chunk.count * pixels + tiling.bm - 1) / tiling.bm
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: (columnTiles, rowTiles, 1), label: op,
                flops: g.flops * Double(chunk.count) / Double(g.n))
        }
    }

    /// Register-blocked direct convolution (`conv2d_direct.comp`): the algorithm for CPU Vulkan devices.
    private func conv2dDirect(
        _ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions,
        geometry g: Conv2D.Geometry, output y: Tensor
    ) throws {
        let op = "conv2d_direct"
        let groups4 = (g.cout + 3) / 4
        let tm = ConvAlgorithm.directPixelsPerInvocation(outputWidth: g.wo)
        let segments = g.ho * ((g.wo + tm - 1) / tm)
        // Narrow outputs fill the SIMD width with row segments instead of channel groups.
        let segmentLanes = max(1, Int(context.limits.subgroupSize) / groups4)
        let local = segmentLanes > 1 ? groups4 * segmentLanes : min(groups4, 64)
        let segmentGroups = (segments + segmentLanes - 1) / segmentLanes
        let limits = context.limits.maxWorkGroupCount
        guard segmentGroups <= Int(limits.1) else {
            throw VulkanError.limitExceeded(
                "\(op): \(g.ho)×\(g.wo) output pixels need \(segmentGroups) workgroups in y")
        }
        var defines: [KernelDescriptor.Define] = g.cout % 4 == 0 ? [.init("ALIGNED", "1")] : []
        if g.cin % 4 == 0 { defines.append(.init("X_VEC4", "1")) }
        let k = try kernel(
            "conv2d_direct", defines: defines, bindings: 5, pushWords: 6,
            specialization: [
                .uint(UInt32(local)), .int(Int32(tm)), .int(Int32(g.kh)), .int(Int32(g.kw)), .int(Int32(g.stride)),
                .int(Int32(g.padTop)), .int(Int32(g.padLeft)), .bool(bias != nil), .bool(residual != nil),
                .bool(options.activation == .relu),
                .int(Int32(g.upsampling)), .int(Int32(segmentLanes)), .int(Int32(g.dilation)),
            ])
        for (chunk, bindings) in try convChunks(op, x, weight, bias, residual, y, g, maxSamples: Int(limits.2)) {
            var push = PushConstants()
            for v in [g.h, g.w, g.cin, g.ho, g.wo, g.cout] { push.append(v) }
            let columns = segmentLanes > 1 ? 1 : (groups4 + local - 1) / local
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: (columns, segmentGroups, chunk.count), label: op,
                flops: g.flops * Double(chunk.count) / Double(g.n))
        }
    }
}

extension VulkanBackend {
    /// The batch chunks of a convolution and, for each, the bindings both conv shaders take: x, w, bias,
    /// residual, y (weights whole; an absent bias or residual binds the weight, which the shader then ignores).
    fileprivate func convChunks(
        _ op: String, _ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ residual: Tensor?, _ y: Tensor,
        _ g: Conv2D.Geometry, maxSamples: Int
    ) throws -> [(Range<Int>, [BufferBinding])] {
        let output = g.ho * g.wo * g.cout * elementBytes
        let chunks = try batchChunks(
            op, batch: g.n, bytesPerSample: [x.shape.perSample * elementBytes, output, residual == nil ? 0 : output],
            maxSamples: maxSamples)
        let weightBinding = try binding(weight, op, access: .read)
        return try chunks.map { chunk in
            (
                chunk,
                [
                    try binding(x, op, samples: chunk, access: .read),
                    weightBinding,
                    try bias.map { try binding($0, op, access: .read) } ?? weightBinding,
                    try residual.map { try binding($0, op, samples: chunk, access: .read) } ?? weightBinding,
                    try binding(y, op, samples: chunk, access: .write),
                ]
            )
        }
    }
}

/// Which kernels convolutions and matrix products run with.
public enum KernelChoice: String, Sendable, CaseIterable {
    /// Direct kernels on CPU Vulkan devices (and for products of ≤ 8 rows), tiled GEMM elsewhere.
    case automatic
    /// Shared-memory tiles (`conv2d.comp`, `matmul.comp`).
    case tiledGEMM
    /// No shared memory (`conv2d_direct.comp`, `matmul_direct.comp`).
    case direct

    enum Resolved { case tiledGEMM, direct }

    func resolved(for g: Conv2D.Geometry, device: PhysicalDevice) -> Resolved {
        // The direct kernel puts output-row segments on y; a huge image falls back to the tiles, which split rows.
        let segments =
            g.ho * ((g.wo + ConvAlgorithm.directPixelsPerInvocation - 1) / ConvAlgorithm.directPixelsPerInvocation)
        guard segments <= Int(device.limits.maxWorkGroupCount.1) else { return .tiledGEMM }
        switch self {
        case .tiledGEMM: return .tiledGEMM
        case .direct: return .direct
        case .automatic: return device.kind == .cpu ? .direct : .tiledGEMM
        }
    }
}

/// When stride-1 undilated 3×3 convolutions (with any padding) run as Winograd F(4×4, 3×3)
/// (`VulkanWinograd.swift`), whose batched product then runs with the `KernelChoice`.
public enum WinogradChoice: String, Sendable, CaseIterable {
    /// For convolutions of at least 16 channels in and out, with fp32 storage.
    case automatic
    /// For every stride-1 undilated 3×3 convolution that fits the device's binding range, whatever its width and
    /// precision
    /// (with fp16 storage the transformed tiles are half too: RMS error 7–9× a direct fp16 convolution's).
    case always
    /// Never.
    case never

    func applies(to g: Conv2D.Geometry, device: PhysicalDevice, elementBytes: Int) -> Bool {
        switch self {
        case .never: return false
        case .always:
            return WinogradTiling.applies(to: g, minimumChannels: 1, limits: device.limits, elementBytes: elementBytes)
        case .automatic:
            // Half-precision transformed tiles lose about 3 bits (measured NMSE 6e-6 against 2e-7 for a direct fp16
            // convolution), so fp16 storage convolves directly.
            guard elementBytes == 4 else { return false }
            return WinogradTiling.applies(
                to: g, minimumChannels: ConvAlgorithm.winogradMinimumChannels, limits: device.limits,
                elementBytes: elementBytes)
        }
    }
}

/// Tuning of the direct kernel.
enum ConvAlgorithm {
    /// Output pixels per invocation: 16 beat 4, 8 and 32 on lavapipe, and the workgroup width made no measurable
    /// difference (measurements in BENCHMARKS.md, Tuning measurements).
    static let directPixelsPerInvocation = 16

    /// Pixels per invocation for rows `outputWidth` wide: up to 16, spread evenly over the row's segments, since
    /// lavapipe runs the pixel loop with masks and pixels past the row's end would cost full price.
    static func directPixelsPerInvocation(outputWidth: Int) -> Int {
        let segments = (outputWidth + directPixelsPerInvocation - 1) / directPixelsPerInvocation
        return (outputWidth + segments - 1) / max(segments, 1)
    }
    /// Narrower 3×3 convolutions stay direct: with few channels the Winograd transforms cost more than the
    /// product they shrink.
    static let winogradMinimumChannels = 16
}
