extension CPUBackend {
    public func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor {
        let op = "resize"
        let outShape = try Resize.outputShape(x.shape, options)
        let (n, h, w, c) = try x.shape.nhwc(op)
        let input = try data(x, op)
        let rows = ResizeTaps(input: h, output: options.height, options)
        let cols = ResizeTaps(input: w, output: options.width, options)
        let (outH, outW) = (options.height, options.width)
        return make(outShape) { y in
            CPUBackend.parallelFor(n * outH) { outRow in
                let sample = outRow / outH
                let r = outRow % outH
                for col in 0 ..< outW {
                    let target = (outRow * outW + col) * c
                    for channel in 0 ..< c {
                        // Separable: filter along the row first, then combine the rows (as the shader does).
                        var value: Float = 0
                        for i in 0 ..< rows.count {
                            let rowBase = (sample * h + rows.index[r * rows.count + i]) * w
                            var rowValue: Float = 0
                            for j in 0 ..< cols.count {
                                rowValue +=
                                    cols.weight[col * cols.count + j]
                                    * input[(rowBase + cols.index[col * cols.count + j]) * c + channel]
                            }
                            value += rows.weight[r * rows.count + i] * rowValue
                        }
                        y[target + channel] = value
                    }
                }
            }
        }
    }
}

/// The input indices (clamped to the edge) and weights that make each output index along one axis.
private struct ResizeTaps {
    /// Taps per output index: 2 for bilinear, 4 for bicubic.
    let count: Int
    /// `count` entries per output index.
    var index: [Int] = []
    var weight: [Float] = []

    init(input: Int, output: Int, _ options: ResizeOptions) {
        count = options.method == .bilinear ? 2 : 4
        for dst in 0 ..< output {
            let source = Resize.sourceCoordinate(dst, input: input, output: output, options.coordinates)
            let base = source.rounded(.down)
            let fraction = source - base
            for k in 0 ..< count {
                // Bilinear taps base, base+1; bicubic taps base−1 … base+2.
                let offset = options.method == .bilinear ? k : k - 1
                index.append(min(max(Int(base) + offset, 0), input - 1))
                switch options.method {
                case .bilinear: weight.append(k == 0 ? 1 - fraction : fraction)
                case .bicubic: weight.append(Resize.cubicWeight(fraction - Float(offset), a: options.cubicCoefficient))
                }
            }
        }
    }
}
