extension CPUBackend {
    public func globalAveragePool(_ x: Tensor) throws -> Tensor {
        let op = "globalAveragePool"
        let outShape = try GlobalAveragePool.outputShape(x.shape)
        let (n, h, w, c) = try x.shape.nhwc(op)
        let input = try data(x, op)
        return make(outShape) { y in
            CPUBackend.parallelFor(n) { sample in
                var sums = [Double](repeating: 0, count: c)
                for pixel in 0 ..< h * w {
                    let base = (sample * h * w + pixel) * c
                    for channel in 0 ..< c { sums[channel] += Double(input[base + channel]) }
                }
                for channel in 0 ..< c { y[sample * c + channel] = Float(sums[channel] / Double(h * w)) }
            }
        }
    }
}
