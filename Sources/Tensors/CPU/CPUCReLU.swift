extension CPUBackend {
    public func crelu(_ x: Tensor) throws -> Tensor {
        let shape = try CReLU.outputShape(x.shape)
        let input = try data(x, "crelu")
        let c = x.shape.channels
        return make(shape) { y in
            for row in 0 ..< input.count / max(c, 1) {
                for j in 0 ..< c {
                    let v = input[row * c + j]
                    y[row * 2 * c + j] = max(v, 0)
                    y[row * 2 * c + c + j] = max(-v, 0)
                }
            }
        }
    }
}
