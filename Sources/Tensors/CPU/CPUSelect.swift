extension CPUBackend {
    public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let layout = try Select.broadcast(condition.shape, a.shape, b.shape)
        let mask = try data(condition, "select")
        let lhs = try data(a, "select")
        let rhs = try data(b, "select")
        return make(layout.shape) { y in
            if layout.isElementwise {
                for i in y.indices { y[i] = Select.apply(mask[i], lhs[i], rhs[i]) }
                return
            }
            // Row by row along the innermost merged axis, whose strides are constant within a row.
            guard let inner = layout.dims.last, inner > 0 else { return }
            let last = layout.dims.count - 1
            let steps = (layout.conditionStrides[last], layout.aStrides[last], layout.bStrides[last])
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(y.count / inner) { row in
                let start = layout.offsets(of: row * inner)
                for j in 0 ..< inner {
                    out.value[row * inner + j] = Select.apply(
                        mask[start.condition + j * steps.0], lhs[start.a + j * steps.1], rhs[start.b + j * steps.2])
                }
            }
        }
    }
}
