import Tensors
import VulkanCompute

extension VulkanBackend {
    public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor {
        let layout = try Binary.broadcast(a.shape, b.shape)
        try own(a, "binary")
        try own(b, "binary")
        let y = try makeTensor(layout.shape)
        // binary.comp's OP and SCALE; subtraction is a + (−1)·b, the same single rounding as a − b.
        let specialization: [SpecializationConstant] =
            switch op {
            case .add(let scale): [.int(0), .float(scale)]
            case .subtract: [.int(0), .float(-1)]
            case .multiply: [.int(1), .float(1)]
            case .divide: [.int(2), .float(1)]
            case .maximum: [.int(3), .float(1)]
            case .minimum: [.int(4), .float(1)]
            case .greater: [.int(5), .float(1)]
            case .greaterEqual: [.int(6), .float(1)]
            case .less: [.int(7), .float(1)]
            case .lessEqual: [.int(8), .float(1)]
            case .equal: [.int(9), .float(1)]
            case .notEqual: [.int(10), .float(1)]
            }
        if layout.isElementwise {
            try elementwise(
                "binary", inputs: [a.reshaped(layout.shape), b.reshaped(layout.shape)], output: y,
                specialization: specialization)
        } else {
            try broadcastBinary(a, b, y, layout, specialization)
        }
        return y
    }

    /// Records `binary.comp` with `BROADCAST`, in chunks of rows of the outermost merged axis when the output
    /// exceeds the binding range. An operand that fits one binding is bound whole and addressed from the chunk's
    /// first row through its push-constant offset; a larger one is bound chunk by chunk like the output.
    private func broadcastBinary(
        _ a: Tensor, _ b: Tensor, _ y: Tensor, _ layout: BroadcastLayout, _ specialization: [SpecializationConstant]
    ) throws {
        let count = layout.shape.count
        guard count > 0 else { return }
        let axes = Binary.maxMergedAxes
        let local = elementwiseLocalSize
        let k = try kernel(
            "binary", defines: [.init("BROADCAST", "1")], bindings: 3, pushWords: 4 + 3 * axes,
            specialization: [.uint(UInt32(local))] + specialization)
        let rows = layout.dims[0]
        let perRow = count / rows
        let maxRange = context.limits.maxStorageBufferRange
        let operands = [(a, layout.aStrides[0]), (b, layout.bStrides[0])].map { tensor, rowStride in
            BroadcastOperand(
                tensor: tensor, rowStride: rowStride,
                boundWhole: rowStride == 0 || UInt64(tensor.shape.count * elementBytes) <= maxRange)
        }
        let output = try y.reshaped([rows, perRow])
        let chunked = try [output] + operands.filter { !$0.boundWhole }.map { try $0.rowsView() }
        for chunk in try batchChunks(
            "binary", batch: rows, bytesPerSample: chunked.map { $0.shape.perSample * elementBytes })
        {
            var push = PushConstants()
            push.append(UInt32(chunk.count * perRow))
            push.append(UInt32(layout.dims.count))
            for operand in operands {
                push.append(UInt32(operand.boundWhole ? chunk.lowerBound * operand.rowStride : 0))
            }
            for values in [layout.dims, layout.aStrides, layout.bStrides] {
                for axis in 0 ..< axes { push.append(UInt32(axis < values.count ? values[axis] : 0)) }
            }
            let bindings =
                try operands.map { operand in
                    operand.boundWhole
                        ? try binding(operand.tensor, "binary", access: .read)
                        : try binding(operand.rowsView(), "binary", samples: chunk, access: .read)
                } + [try binding(output, "binary", samples: chunk, access: .write)]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(chunk.count * perRow, localSize: local),
                label: "binary")
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
