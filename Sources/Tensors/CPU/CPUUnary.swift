extension CPUBackend {
    public func unary(_ x: Tensor, _ op: UnaryOp) throws -> Tensor {
        let input = try data(x, "unary")
        return make(x.shape) { y in
            for i in input.indices { y[i] = op.apply(input[i]) }
        }
    }
}
