extension CPUBackend {
    public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor {
        try Binary.validate(a.shape, b.shape)
        let lhs = try data(a, "binary")
        let rhs = try data(b, "binary")
        return make(a.shape) { y in
            for i in lhs.indices { y[i] = op.apply(lhs[i], rhs[i]) }
        }
    }
}
