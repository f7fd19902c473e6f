import Tensors
import VulkanCompute

extension VulkanBackend {
    /// Records `rearrange.comp` over the rearrangement's merged layout, in chunks of rows of its outermost axis when
    /// the output exceeds the binding range. An input within the range is bound whole; a larger one is bound, per
    /// chunk, over the offsets that chunk reads, and throws `VulkanError.limitExceeded` when even one row of the
    /// outermost axis reads across more than the range (a transpose that moves a long inner axis outward, say).
    public func rearrange(_ x: Tensor, _ r: Rearrangement) throws -> Tensor {
        let op = "rearrange"
        try r.validateInput(x.shape)
        let input = try allocation(x, op)
        let y = try makeTensor(r.outputShape)
        let count = y.shape.count
        guard count > 0 else { return y }
        let layout = r.layout
        guard layout.axes.allSatisfy({ $0.size <= Int(UInt32.max) }) else {
            throw VulkanError.limitExceeded(
                "\(op): the merged layout of \(r.outputShape) has an axis longer than 2³² − 1 elements")
        }
        let rows = layout.axes.first?.size ?? 1
        let perRow = count / rows
        let output = try y.reshaped([rows, perRow])
        // Per-axis words, padded with inner axes of size 1 that read coordinate 0 and move nothing.
        let axes = Rearrangement.maxMergedAxes
        let unused = axes - layout.axes.count
        let sizes = layout.axes.dropFirst().map(\.size) + Array(repeating: 1, count: axes - max(layout.axes.count, 1))
        let perAxis: [[Int]] = [
            layout.axes.map(\.period) + Array(repeating: 1, count: unused),
            layout.axes.map(\.valid.lowerBound) + Array(repeating: 0, count: unused),
            layout.axes.map(\.valid.upperBound) + Array(repeating: 1, count: unused),
            layout.axes.map(\.stride) + Array(repeating: 0, count: unused),
        ]
        let local = elementwiseLocalSize
        let k = try kernel(
            "rearrange", bindings: 2, pushWords: 3 + (axes - 1) + perAxis.count * axes,
            specialization: [.uint(UInt32(local)), .uint(r.fill.bitPattern)])
        for (chunk, window) in try rearrangeDispatches(
            layout, rows: rows, rowBytes: perRow * elementBytes, inputBytes: x.shape.count * elementBytes)
        {
            var push = PushConstants()
            push.append(chunk.count * perRow)
            push.append(layout.base &- window.offset / elementBytes)
            push.append(chunk.lowerBound)
            for word in sizes { push.append(word) }
            for words in perAxis {
                for word in words { push.append(word) }
            }
            try recorder.dispatch(
                k,
                bindings: [
                    BufferBinding(
                        input, offset: UInt64(window.offset), byteCount: UInt64(window.bytes), access: .read),
                    binding(output, op, samples: chunk, access: .write),
                ],
                push: push, groups: grid1D(chunk.count * perRow, localSize: local), label: op)
        }
        return y
    }

    /// The dispatches of a rearrangement: rows of the outermost axis, and the byte range of the input each binds.
    /// Chunks start at rows whose output offset is aligned for binding; an input window starts at the aligned offset
    /// at or below the lowest element the chunk reads. A chunk that reads nothing binds the input's first 4 bytes
    /// (every allocation has them).
    private func rearrangeDispatches(_ layout: RearrangeLayout, rows: Int, rowBytes: Int, inputBytes: Int) throws
        -> [(rows: Range<Int>, window: (offset: Int, bytes: Int))]
    {
        let op = "rearrange"
        let maxRange = Int(min(context.limits.maxStorageBufferRange, UInt64(Int.max)))
        guard layout.readsInput, inputBytes > maxRange else {
            let whole = (offset: 0, bytes: layout.readsInput ? inputBytes : 4)
            return try batchChunks(op, batch: rows, bytesPerSample: [rowBytes]).map { ($0, whole) }
        }
        let alignment = Int(max(context.limits.minStorageBufferOffsetAlignment, 4))
        func window(_ chunk: Range<Int>) -> (offset: Int, bytes: Int) {
            guard let span = layout.inputSpan(rows: chunk) else { return (0, 4) }
            let offset = span.lowerBound * elementBytes / alignment * alignment
            return (offset, (span.upperBound + 1) * elementBytes - offset)
        }
        var step = 1  // chunks start at multiples of `step` rows, whose output offsets are aligned
        while step * rowBytes % alignment != 0 { step += 1 }
        return try greedyChunks(op, total: rows, step: step, maxLength: maxRange / rowBytes) {
            window($0).bytes <= maxRange
        }.map { ($0, window($0)) }
    }

    /// Splits `0 ..< total` into consecutive ranges, each the longest that `fits` accepts, every one but the last a
    /// multiple of `step` long (so that the next starts aligned) and none longer than `maxLength`. `fits` must accept
    /// a range whenever it accepts a longer one with the same start. Throws `VulkanError.limitExceeded` when it
    /// accepts no range of `step` from some start.
    func greedyChunks(_ op: String, total: Int, step: Int, maxLength: Int, fits: (Range<Int>) -> Bool) throws
        -> [Range<Int>]
    {
        var chunks: [Range<Int>] = []
        var first = 0
        while first < total {
            var length = min(total - first, maxLength)
            if first + length < total { length = length / step * step }
            if length == 0 || !fits(first ..< first + length) {
                // the most multiples of `step` below `length` that fit, by bisection
                var (fitting, tooMany) = (0, (max(length, 1) - 1) / step + 1)
                while tooMany - fitting > 1 {
                    let middle = (fitting + tooMany) / 2
                    if fits(first ..< first + middle * step) { fitting = middle } else { tooMany = middle }
                }
                guard fitting > 0 else {
                    throw VulkanError.limitExceeded(
                        "\(op): \(step) element(s) or row(s) from \(first) on, with what they read or write, exceed one "
                            + "binding (\(context.limits.maxStorageBufferRange) bytes on this device)")
                }
                length = fitting * step
            }
            chunks.append(first ..< first + length)
            first += length
        }
        return chunks
    }
}
