extension CPUBackend {
    /// Viewed as [outer, size along the axis, inner], each input's rows land side by side in the output's rows.
    public func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
        let shape = try Concat.outputShape(xs.map(\.shape), axis: axis)
        let inputs = try xs.map { try data($0, "concat") }
        let inner = shape.dims[(axis + 1)...].reduce(1, *)
        let outer = shape.dims[..<axis].reduce(1, *)
        let rowLength = shape.dims[axis] * inner
        return make(shape) { y in
            var offset = 0  // where the current input's part of each output row begins
            for (x, input) in zip(xs, inputs) {
                let length = x.shape.dims[axis] * inner
                for row in 0 ..< outer {
                    for j in 0 ..< length { y[row * rowLength + offset + j] = input[row * length + j] }
                }
                offset += length
            }
        }
    }
}
