import Tensors
import VulkanCompute

extension VulkanBackend {
    /// Records `shader` with `BROADCAST` for operands read through a merged broadcast layout (`dims`, outermost
    /// first, and one stride list per operand), in chunks of rows of the outermost axis when the output exceeds the
    /// binding range. An operand that fits one binding (or is stretched along the rows) is bound whole and addressed
    /// from the chunk's first row through its push-constant offset; a larger one is bound chunk by chunk like the
    /// output. Push constants: count, rank, one offset per operand, `dims[maxAxes]`, then each operand's
    /// `strides[maxAxes]` (binary.comp, select.comp).
    func broadcastDispatch(
        _ shader: String, operands tensors: [Tensor], strides: [[Int]], dims: [Int], output y: Tensor,
        maxAxes: Int, specialization: [SpecializationConstant] = []
    ) throws {
        let count = y.shape.count
        guard count > 0 else { return }
        let local = elementwiseLocalSize
        let k = try kernel(
            shader, defines: [.init("BROADCAST", "1")], bindings: tensors.count + 1,
            pushWords: 2 + tensors.count + (1 + tensors.count) * maxAxes,
            specialization: [.uint(UInt32(local))] + specialization)
        let rows = dims[0]
        let perRow = count / rows
        let maxRange = context.limits.maxStorageBufferRange
        let operands = zip(tensors, strides).map { tensor, strides in
            BroadcastOperand(
                tensor: tensor, rowStride: strides[0],
                boundWhole: strides[0] == 0 || UInt64(tensor.shape.count * elementBytes) <= maxRange)
        }
        let output = try y.reshaped([rows, perRow])
        let chunked = try [output] + operands.filter { !$0.boundWhole }.map { try $0.rowsView() }
        for chunk in try batchChunks(
            shader, batch: rows, bytesPerSample: chunked.map { $0.shape.perSample * elementBytes })
        {
            var push = PushConstants()
            push.append(UInt32(chunk.count * perRow))
            push.append(UInt32(dims.count))
            for operand in operands {
                push.append(UInt32(operand.boundWhole ? chunk.lowerBound * operand.rowStride : 0))
            }
            for values in [dims] + strides {
                for axis in 0 ..< maxAxes { push.append(UInt32(axis < values.count ? values[axis] : 0)) }
            }
            let bindings =
                try operands.map { operand in
                    operand.boundWhole
                        ? try binding(operand.tensor, shader, access: .read)
                        : try binding(operand.rowsView(), shader, samples: chunk, access: .read)
                } + [try binding(output, shader, samples: chunk, access: .write)]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(chunk.count * perRow, localSize: local),
                label: shader)
        }
    }
}

/// An operand of a broadcast dispatch: `rowStride` elements per row of the outermost merged axis (0 when it is
/// stretched along it); bound whole, or row chunk by row chunk when it exceeds the binding range.
private struct BroadcastOperand {
    let tensor: Tensor
    let rowStride: Int
    let boundWhole: Bool

    /// The operand as [rows, rowStride], so that a chunk of rows binds its elements.
    func rowsView() throws -> Tensor { try tensor.reshaped([tensor.shape.count / rowStride, rowStride]) }
}
