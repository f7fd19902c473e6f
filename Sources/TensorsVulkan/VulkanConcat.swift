import Tensors
import VulkanCompute

extension VulkanBackend {
    /// One `concat.comp` dispatch per non-empty input, each writing its part of every row of the output viewed as
    /// [outer, size along the axis · inner]. An input that exceeds the binding range, or whose part of the output
    /// spans more than it, is copied in chunks of its elements, each binding the output over the range it writes.
    public func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
        let op = "concat"
        let shape = try Concat.outputShape(xs.map(\.shape), axis: axis)
        for x in xs { try own(x, op) }
        let y = try makeTensor(shape)
        let output = try allocation(y, op)
        let inner = shape.dims[(axis + 1)...].reduce(1, *)
        let rowLength = shape.dims[axis] * inner
        guard shape.count > 0 else { return y }
        guard rowLength <= Int(Int32.max) else {
            throw VulkanError.limitExceeded("\(op): rows of \(rowLength) elements exceed 2³¹ − 1")
        }
        let maxRange = Int(min(context.limits.maxStorageBufferRange, UInt64(Int.max)))
        let alignment = Int(max(context.limits.minStorageBufferOffsetAlignment, 4))
        let local = elementwiseLocalSize
        let k = try kernel("concat", bindings: 2, pushWords: 5, specialization: [.uint(UInt32(local))])
        var offset = 0  // where this input's part of each output row begins
        for x in xs {
            let sliceLength = x.shape.dims[axis] * inner
            defer { offset += sliceLength }
            guard sliceLength > 0 else { continue }
            let input = try allocation(x, op)
            /// Output element of input element `i`.
            func destination(_ i: Int) -> Int { i / sliceLength * rowLength + offset + i % sliceLength }
            /// The output bytes input elements `chunk` write: from the aligned offset at or below the first.
            func window(_ chunk: Range<Int>) -> (offset: Int, bytes: Int) {
                let start = destination(chunk.lowerBound) * elementBytes / alignment * alignment
                return (start, (destination(chunk.upperBound - 1) + 1) * elementBytes - start)
            }
            var step = 1  // chunks start at multiples of `step` elements, whose input offsets are aligned
            while step * elementBytes % alignment != 0 { step += 1 }
            for chunk in try greedyChunks(
                op, total: x.shape.count, step: step, maxLength: maxRange / elementBytes,
                fits: { window($0).bytes <= maxRange })
            {
                let written = window(chunk)
                let row = chunk.lowerBound / sliceLength
                var push = PushConstants()
                for word in [
                    chunk.count, chunk.lowerBound % sliceLength, sliceLength, rowLength,
                    row * rowLength + offset - written.offset / elementBytes,
                ] {
                    push.append(word)
                }
                try recorder.dispatch(
                    k,
                    bindings: [
                        BufferBinding(
                            input, offset: UInt64(chunk.lowerBound * elementBytes),
                            byteCount: UInt64(chunk.count * elementBytes), access: .read),
                        BufferBinding(
                            output, offset: UInt64(written.offset), byteCount: UInt64(written.bytes), access: .write),
                    ],
                    push: push, groups: grid1D(chunk.count, localSize: local), label: op)
            }
        }
        return y
    }
}
