extension CPUBackend {
    public func pool2d(_ x: Tensor, options: Pool2DOptions) throws -> Tensor {
        let op = "pool2d"
        let g = try Pool2D.geometry(x.shape, options)
        let input = try data(x, op)
        let (h, w, c, k, s) = (g.h, g.w, g.c, options.window, options.stride)
        return make(g.outputShape) { y in
            CPUBackend.parallelFor(g.n * g.ho) { outRow in
                let sample = outRow / g.ho
                let rowStart = (outRow % g.ho) * s - g.padTop
                let rows = max(rowStart, 0) ..< min(rowStart + k, h)
                for outCol in 0 ..< g.wo {
                    let colStart = outCol * s - g.padLeft
                    let cols = max(colStart, 0) ..< min(colStart + k, w)
                    // Padded positions are skipped; SAME and explicit padding are < window, so no window is empty.
                    for channel in 0 ..< c {
                        var maximum = -Float.infinity
                        var sum = 0.0
                        for r in rows {
                            for col in cols {
                                let v = input[((sample * h + r) * w + col) * c + channel]
                                maximum = max(maximum, v)
                                sum += Double(v)
                            }
                        }
                        let value = options.kind == .max ? maximum : Float(sum / Double(rows.count * cols.count))
                        y[(outRow * g.wo + outCol) * c + channel] = value
                    }
                }
            }
        }
    }
}
