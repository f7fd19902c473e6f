import Tensors
import VulkanCompute

extension VulkanBackend {
    public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let layout = try Select.broadcast(condition.shape, a.shape, b.shape)
        for operand in [condition, a, b] { try own(operand, "select") }
        let y = try makeTensor(layout.shape)
        if layout.isElementwise {
            try elementwise(
                "select", inputs: [condition, a, b].map { try $0.reshaped(layout.shape) }, output: y)
        } else {
            try broadcastSelect([condition, a, b], y, layout)
        }
        return y
    }

    /// Records `select.comp` with `BROADCAST`, in chunks of rows of the outermost merged axis when the output
    /// exceeds the binding range, as `binary` does: an operand that fits one binding is bound whole and addressed
    /// from the chunk's first row through its push-constant offset; a larger one is bound chunk by chunk like the
    /// output.
    private func broadcastSelect(_ inputs: [Tensor], _ y: Tensor, _ layout: SelectLayout) throws {
        let count = layout.shape.count
        guard count > 0 else { return }
        let axes = Select.maxMergedAxes
        let local = elementwiseLocalSize
        let k = try kernel(
            "select", defines: [.init("BROADCAST", "1")], bindings: 4, pushWords: 5 + 4 * axes,
            specialization: [.uint(UInt32(local))])
        let rows = layout.dims[0]
        let perRow = count / rows
        let maxRange = context.limits.maxStorageBufferRange
        let strides = [layout.conditionStrides, layout.aStrides, layout.bStrides]
        let operands = zip(inputs, strides).map { tensor, strides in
            SelectOperand(
                tensor: tensor, rowStride: strides[0],
                boundWhole: strides[0] == 0 || UInt64(tensor.shape.count * elementBytes) <= maxRange)
        }
        let output = try y.reshaped([rows, perRow])
        let chunked = try [output] + operands.filter { !$0.boundWhole }.map { try $0.rowsView() }
        for chunk in try batchChunks(
            "select", batch: rows, bytesPerSample: chunked.map { $0.shape.perSample * elementBytes })
        {
            var push = PushConstants()
            push.append(UInt32(chunk.count * perRow))
            push.append(UInt32(layout.dims.count))
            for operand in operands {
                push.append(UInt32(operand.boundWhole ? chunk.lowerBound * operand.rowStride : 0))
            }
            for values in [layout.dims] + strides {
                for axis in 0 ..< axes { push.append(UInt32(axis < values.count ? values[axis] : 0)) }
            }
            let bindings =
                try operands.map { operand in
                    operand.boundWhole
                        ? try binding(operand.tensor, "select", access: .read)
                        : try binding(operand.rowsView(), "select", samples: chunk, access: .read)
                } + [try binding(output, "select", samples: chunk, access: .write)]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(chunk.count * perRow, localSize: local),
                label: "select")
        }
    }
}

/// An operand of a broadcast select: `rowStride` elements per row of the outermost merged axis (0 when it is
/// stretched along it); bound whole, or row chunk by row chunk when it exceeds the binding range.
private struct SelectOperand {
    let tensor: Tensor
    let rowStride: Int
    let boundWhole: Bool

    /// The operand as [rows, rowStride], so that a chunk of rows binds its elements.
    func rowsView() throws -> Tensor { try tensor.reshaped([tensor.shape.count / rowStride, rowStride]) }
}
