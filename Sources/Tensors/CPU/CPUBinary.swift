extension CPUBackend {
    public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor {
        let layout = try Binary.broadcast(a.shape, b.shape)
        let lhs = try data(a, "binary")
        let rhs = try data(b, "binary")
        return make(layout.shape) { y in
            if layout.isElementwise {
                for i in y.indices { y[i] = op.apply(lhs[i], rhs[i]) }
                return
            }
            // Row by row along the innermost merged axis, whose strides are constant within a row.
            guard let inner = layout.dims.last, inner > 0 else { return }
            let (aStep, bStep) = (layout.aStrides[layout.dims.count - 1], layout.bStrides[layout.dims.count - 1])
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(y.count / inner) { row in
                let (aStart, bStart) = layout.offsets(of: row * inner)
                for j in 0 ..< inner {
                    out.value[row * inner + j] = op.apply(lhs[aStart + j * aStep], rhs[bStart + j * bStep])
                }
            }
        }
    }
}
