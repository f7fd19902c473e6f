import Tensors
import VulkanCompute

extension VulkanBackend {
    /// Records `reduce.comp` over `Reduce.layout`'s merged groups, one invocation or one group of lanes per output
    /// element (`ReduceStrategy`). One element per output is a copy; zero elements per output upload
    /// `ReduceOp.resultOverNoElements`.
    public func reduce(_ x: Tensor, axes: [Int], _ op: ReduceOp) throws -> Tensor {
        let layout = try Reduce.layout(x.shape, axes: axes)
        try own(x, "reduce")
        let outputs = layout.shape.count
        guard outputs > 0, layout.reducedCount > 0 else {
            return try upload(
                HostTensor(
                    shape: layout.shape, data: [Float](repeating: op.resultOverNoElements, count: outputs)))
        }
        let y = try makeTensor(layout.shape)
        if layout.reducedCount == 1 {
            try recorder.copy(
                from: allocation(x, "reduce"), to: allocation(y, "reduce"), bytes: UInt64(outputs * elementBytes),
                label: "reduce")
            return y
        }
        let local = Self.reduceLocalSize(maxInvocations: Int(context.limits.maxWorkGroupInvocations))
        let strategy = ReduceStrategy(layout, localSize: local)
        let opCode: Int32 =
            switch op {
            case .sum: 0
            case .mean: 1
            case .max: 2
            case .min: 3
            }
        var specialization: [SpecializationConstant] = [.uint(UInt32(local)), .int(opCode)]
        var defines: [KernelDescriptor.Define] = []
        if case .workgroup(let outputsPerGroup, let lanesInnermost) = strategy {
            defines.append(.init("WORKGROUP_PER_OUTPUT", "1"))
            specialization += [.uint(UInt32(outputsPerGroup)), .bool(lanesInnermost)]
        }
        let groups = Reduce.maxMergedGroups
        let k = try kernel(
            "reduce", defines: defines, bindings: 2, pushWords: 5 + 4 * groups, specialization: specialization)
        let invocationsPerGroup =
            switch strategy {
            case .invocationPerOutput: local
            case .workgroup(let outputsPerGroup, _): outputsPerGroup
            }
        let split = try ReduceSplit(x, y, layout, maxRange: context.limits.maxStorageBufferRange, elementBytes)
        for chunk in try batchChunks("reduce", batch: split.rows, bytesPerSample: split.bytesPerRow) {
            let count = chunk.count * split.outputsPerRow
            var push = PushConstants()
            for word in [
                count, split.outputBoundWhole ? chunk.lowerBound * split.outputsPerRow : 0, layout.reducedCount,
                layout.keptDims.count, layout.reducedDims.count,
            ] {
                push.append(UInt32(word))
            }
            for values in [layout.keptDims, layout.keptStrides, layout.reducedDims, layout.reducedStrides] {
                for group in 0 ..< groups { push.append(UInt32(group < values.count ? values[group] : 0)) }
            }
            let bindings = try [
                binding(split.input, "reduce", samples: chunk, access: .read),
                split.outputBoundWhole
                    ? binding(y, "reduce", access: .write)
                    : binding(split.output, "reduce", samples: chunk, access: .write),
            ]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(count, localSize: invocationsPerGroup),
                label: "reduce")
        }
        return y
    }

    /// The largest power of two within 256 and the device's workgroup limit (the tree needs a power of two).
    static func reduceLocalSize(maxInvocations: Int) -> Int {
        var local = 1
        while local * 2 <= min(256, maxInvocations) { local *= 2 }
        return local
    }
}

/// How a reduction's dispatches bind `x` and `y`: whole when `x` fits one binding; otherwise as rows of the
/// outermost merged axis, which must be kept (else every output reads all of `x`), in chunks of rows that fit, with
/// `y` bound whole and addressed from the chunk's first output when it fits (a chunk's few outputs need not start at
/// an aligned offset), else chunk by chunk too.
private struct ReduceSplit {
    /// `x` as [rows, elements per row].
    let input: Tensor
    /// `y` as [rows, outputs per row].
    let output: Tensor
    let rows: Int
    let outputsPerRow: Int
    let outputBoundWhole: Bool
    /// The row-chunked bindings' bytes per row, for `batchChunks`.
    let bytesPerRow: [Int]

    init(_ x: Tensor, _ y: Tensor, _ layout: ReduceLayout, maxRange: UInt64, _ elementBytes: Int) throws {
        let bytes = x.shape.count * elementBytes
        if UInt64(bytes) <= maxRange {
            rows = 1
        } else if layout.reduced.first == false {
            rows = layout.keptDims[0]
        } else {
            throw VulkanError.limitExceeded(
                "reduce: every output element of reducing \(x.shape) reads across its outermost axis, so all \(bytes) "
                    + "bytes need one binding; this device binds at most \(maxRange)")
        }
        input = try x.reshaped([rows, x.shape.count / rows])
        output = try y.reshaped([rows, y.shape.count / rows])
        outputsPerRow = y.shape.count / rows
        outputBoundWhole = UInt64(y.shape.count * elementBytes) <= maxRange
        bytesPerRow = [input.shape.perSample * elementBytes] + (outputBoundWhole ? [] : [outputsPerRow * elementBytes])
    }
}

/// How `reduce.comp` spreads a reduction of `ReduceLayout.reducedCount` ≥ 2 elements per output over invocations.
enum ReduceStrategy: Equatable {
    /// One invocation per output element, reducing sequentially: for short reductions, and for many outputs along an
    /// innermost kept axis, whose neighbouring invocations read neighbouring elements.
    case invocationPerOutput
    /// `outputsPerGroup` outputs per workgroup, each reduced by local size / `outputsPerGroup` lanes and a tree in
    /// shared memory; `lanesInnermost` when the innermost merged axis is reduced (neighbouring lanes read neighbouring
    /// elements), else neighbouring invocations take neighbouring outputs.
    case workgroup(outputsPerGroup: Int, lanesInnermost: Bool)

    /// Reductions shorter than this run sequentially: too little work to share out.
    static let shortReduction = 64
    /// Outputs along an innermost kept axis from which one invocation each keeps a device busy.
    static let manyOutputs = 16384

    init(_ layout: ReduceLayout, localSize: Int) {
        let count = layout.reducedCount
        if count < Self.shortReduction {
            self = .invocationPerOutput
        } else if layout.reduced.last == true {
            // lanes: a power of two up to half the reduction, so every lane gets at least two elements
            var lanes = 1
            while lanes * 2 <= min(localSize, count / 2) { lanes *= 2 }
            self = .workgroup(outputsPerGroup: localSize / lanes, lanesInnermost: true)
        } else if layout.shape.count >= Self.manyOutputs {
            self = .invocationPerOutput
        } else {
            // neighbouring outputs per group: up to 32, or the innermost kept axis rounded up to a power of two
            var outputs = 1
            while outputs < min(32, localSize, layout.keptDims.last ?? 1) { outputs *= 2 }
            self = .workgroup(outputsPerGroup: outputs, lanesInnermost: false)
        }
    }
}
