extension CPUBackend {
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws
        -> Tensor
    {
        let op = "conv2d"
        let g = try Conv2D.geometry(
            input: x.shape, weight: weight.shape, bias: bias?.shape, residual: residual?.shape, options: options)
        let input = try data(x, op)
        let w = try data(weight, op)
        let b = try bias.map { try data($0, op) }
        let r = try residual.map { try data($0, op) }
        let relu = options.activation == .relu
        return make(g.outputShape) { y in
            guard let yBase = y.baseAddress else { return }
            input.withUnsafeBufferPointer { input in
                w.withUnsafeBufferPointer { w in
                    // One output pixel per index: its Cout outputs accumulate in y, the weight rows for
                    // (ky, kx, ci) being contiguous over Cout in HWIO.
                    CPUBackend.parallelFor(g.n * g.ho * g.wo) { pixel in
                        let ox = pixel % g.wo
                        let oy = pixel / g.wo % g.ho
                        let n = pixel / (g.wo * g.ho)
                        let out = yBase + pixel * g.cout
                        for co in 0 ..< g.cout { out[co] = b?[co] ?? 0 }
                        // (iy, ix) index the upsampled input the convolution sees; the stored pixel is (iy/u, ix/u).
                        let u = g.upsampling
                        for ky in 0 ..< g.kh {
                            let iy = oy * g.stride - g.padTop + ky * g.dilation
                            guard iy >= 0, iy < g.h * u else { continue }
                            for kx in 0 ..< g.kw {
                                let ix = ox * g.stride - g.padLeft + kx * g.dilation
                                guard ix >= 0, ix < g.w * u else { continue }
                                let xRow = ((n * g.h + iy / u) * g.w + ix / u) * g.cin
                                for ci in 0 ..< g.cin {
                                    let v = input[xRow + ci]
                                    let wRow = ((ky * g.kw + kx) * g.cin + ci) * g.cout
                                    for co in 0 ..< g.cout { out[co] += v * w[wRow + co] }
                                }
                            }
                        }
                        for co in 0 ..< g.cout {
                            var v = out[co] + (r?[pixel * g.cout + co] ?? 0)
                            if relu { v = max(v, 0) }
                            out[co] = v
                        }
                    }
                }
            }
        }
    }
}
