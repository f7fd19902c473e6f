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
                if options.method == .nearest {
                    // A copy of the selected pixel (no arithmetic, so −0, infinities and NaN payloads survive).
                    let rowBase = (sample * h + rows.index[r]) * w
                    for col in 0 ..< outW {
                        let source = (rowBase + cols.index[col]) * c
                        let target = (outRow * outW + col) * c
                        for channel in 0 ..< c { y[target + channel] = input[source + channel] }
                    }
                    return
                }
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
