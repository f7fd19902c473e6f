extension CPUBackend {
    public func upsampleNearest2x(_ x: Tensor) throws -> Tensor {
        let op = "upsampleNearest2x"
        let outShape = try UpsampleNearest.outputShape(x.shape)
        let (n, h, w, c) = try x.shape.nhwc(op)
        let input = try data(x, op)
        return make(outShape) { y in
            CPUBackend.parallelFor(n * 2 * h) { row in
                let sample = row / (2 * h)
                let sourceRow = (row % (2 * h)) / 2
                for col in 0 ..< 2 * w {
                    let source = ((sample * h + sourceRow) * w + col / 2) * c
                    let target = (row * 2 * w + col) * c
                    for channel in 0 ..< c { y[target + channel] = input[source + channel] }
                }
            }
        }
    }
}
