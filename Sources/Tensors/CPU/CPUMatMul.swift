extension CPUBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor {
        let op = "matmul"
        let g = try MatMul.geometry(a: a.shape, b: b.shape, bias: bias?.shape, options: options)
        let lhs = try data(a, op)
        let rhs = try data(b, op)
        let bi = try bias.map { try data($0, op) }
        let (m, k, n) = (g.m, g.k, g.n)
        let relu = options.activation == .relu
        return make(g.outputShape) { c in
            guard let cBase = c.baseAddress else { return }
            lhs.withUnsafeBufferPointer { lhs in
                rhs.withUnsafeBufferPointer { rhs in
                    // A non-empty output implies non-empty a and b.
                    guard let lhs = lhs.baseAddress, let rhs = rhs.baseAddress else { return }
                    // One output row per index, accumulated in place.
                    CPUBackend.parallelFor(g.batch * m) { row in
                        let aRow = lhs + row * k
                        let bMatrix = rhs + (g.batchedB ? row / m * k * n : 0)
                        let out = cBase + row * n
                        if options.transposeB {
                            // b [N,K]: each output is a dot product of two contiguous rows.
                            for j in 0 ..< n {
                                let bRow = bMatrix + j * k
                                var sum: Float = 0
                                for i in 0 ..< k { sum += aRow[i] * bRow[i] }
                                out[j] = sum + (bi?[j] ?? 0)
                            }
                        } else {
                            // b [K,N]: add a[i]·(row i of b), contiguous over N.
                            for j in 0 ..< n { out[j] = bi?[j] ?? 0 }
                            for i in 0 ..< k {
                                let v = aRow[i]
                                let bRow = bMatrix + i * n
                                for j in 0 ..< n { out[j] += v * bRow[j] }
                            }
                        }
                        if relu { for j in 0 ..< n { out[j] = max(out[j], 0) } }
                    }
                }
            }
        }
    }
}
