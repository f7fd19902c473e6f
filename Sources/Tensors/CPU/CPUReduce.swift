extension CPUBackend {
    /// Sums in Double in the order of `x`'s elements, rounded once; maximum and minimum compare in Float.
    public func reduce(_ x: Tensor, axes: [Int], _ op: ReduceOp) throws -> Tensor {
        let layout = try Reduce.layout(x.shape, axes: axes)
        let input = try data(x, "reduce")
        let count = layout.reducedCount
        // Runs along the innermost reduced merged axis, whose stride is constant within a run.
        let runLength = layout.reducedDims.last ?? 1
        let runStride = layout.reducedStrides.last ?? 0
        let runs = runLength > 0 ? count / runLength : 0
        return make(layout.shape) { y in
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(y.count) { index in
                let base = layout.offset(ofOutput: index)
                switch op {
                case .sum, .mean:
                    var total = 0.0
                    for run in 0 ..< runs {
                        let start = base + layout.offset(ofReduced: run * runLength)
                        for j in 0 ..< runLength { total += Double(input[start + j * runStride]) }
                    }
                    out.value[index] = Float(op == .mean ? total / Double(count) : total)
                case .max, .min:
                    var extreme: Float = op == .max ? -.infinity : .infinity
                    for run in 0 ..< runs {
                        let start = base + layout.offset(ofReduced: run * runLength)
                        for j in 0 ..< runLength {
                            let v = input[start + j * runStride]
                            if v.isNaN || (op == .max ? v > extreme : v < extreme) { extreme = v }
                        }
                    }
                    out.value[index] = extreme
                }
            }
        }
    }
}
