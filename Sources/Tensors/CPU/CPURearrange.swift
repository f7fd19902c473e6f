extension CPUBackend {
    /// Straight from the definition (`Rearrangement`), without the merged layout the Vulkan shader uses: each output
    /// element's coordinates through the walks, row by row along the last axis.
    public func rearrange(_ x: Tensor, _ r: Rearrangement) throws -> Tensor {
        try r.validateInput(x.shape)
        let input = try data(x, "rearrange")
        let shape = r.outputShape
        let inputDims = r.inputShape.dims
        var inputStrides = [Int](repeating: 1, count: inputDims.count)
        for axis in (0 ..< max(inputDims.count - 1, 0)).reversed() {
            inputStrides[axis] = inputStrides[axis + 1] * inputDims[axis + 1]
        }
        /// The input offset along output axis `axis` at coordinate `o`, or nil for the fill value.
        func offset(_ axis: Int, _ o: Int) -> Int? {
            let walk = r.walks[axis]
            return walk.inputCoordinate(o, inputSize: inputDims[walk.inputAxis]).map {
                $0 * inputStrides[walk.inputAxis]
            }
        }
        return make(shape) { y in
            guard let inner = shape.dims.last else {  // a scalar
                y[0] = input[0]
                return
            }
            guard inner > 0 else { return }
            let last = shape.rank - 1
            let innerOffsets = (0 ..< inner).map { offset(last, $0) }
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(shape.count / inner) { row in
                // the row's coordinates on the outer axes, innermost first
                var rest = row
                var rowOffset: Int? = 0
                for axis in (0 ..< last).reversed() {
                    let o = rest % shape.dims[axis]
                    rest /= shape.dims[axis]
                    rowOffset = rowOffset.flatMap { base in offset(axis, o).map { base + $0 } }
                }
                for j in 0 ..< inner {
                    if let rowOffset, let innerOffset = innerOffsets[j] {
                        out.value[row * inner + j] = input[rowOffset + innerOffset]
                    } else {
                        out.value[row * inner + j] = r.fill
                    }
                }
            }
        }
    }
}
