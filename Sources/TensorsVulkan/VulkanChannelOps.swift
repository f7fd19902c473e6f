import Tensors
import VulkanCompute

extension VulkanBackend {
    public func concatChannels(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try ChannelOps.concatShape(a.shape, b.shape)
        let ca = a.shape.channels
        let cb = b.shape.channels
        return try moveChannels(
            "concatChannels", a, b, shape,
            aBegin: 0, aTaken: ca, aFirst: 0, bBegin: ca, bChannels: cb)
    }

    public func padChannels(_ x: Tensor, before: Int, after: Int) throws -> Tensor {
        let shape = try ChannelOps.padShape(x.shape, before: before, after: after)
        return try moveChannels(
            "padChannels", x, x, shape,
            aBegin: before, aTaken: x.shape.channels, aFirst: 0, bBegin: 0, bChannels: 0)
    }

    public func sliceChannels(_ x: Tensor, start: Int, count: Int) throws -> Tensor {
        let shape = try ChannelOps.sliceShape(x.shape, start: start, count: count)
        return try moveChannels(
            "sliceChannels", x, x, shape,
            aBegin: 0, aTaken: count, aFirst: start, bBegin: 0, bChannels: 0)
    }

    /// Records `channels.comp` (see its header for the meaning of the ranges).
    private func moveChannels(
        _ op: String, _ a: Tensor, _ b: Tensor, _ shape: Shape,
        aBegin: Int, aTaken: Int, aFirst: Int, bBegin: Int, bChannels: Int
    ) throws -> Tensor {
        try own(a, op)
        try own(b, op)
        let y = try makeTensor(shape)
        try channelElementwise(
            "channels", inputs: [a, b], output: y,
            sizes: [shape.channels, a.shape.channels, aBegin, aTaken, aFirst, bChannels, bBegin],
            label: op)
        return y
    }

    /// Dispatches a grid-stride shader over every element of `output` whose inputs are rows of the same
    /// leading dimensions (bindings: inputs…, output; push: count, then `sizes`), split by batch when a tensor
    /// exceeds the binding range. Rank-1 tensors are one row, never split.
    func channelElementwise(_ shader: String, inputs: [Tensor], output: Tensor, sizes: [Int], label: String? = nil)
        throws
    {
        let local = elementwiseLocalSize
        let k = try kernel(
            shader, bindings: inputs.count + 1, pushWords: 1 + sizes.count, specialization: [.uint(UInt32(local))])
        let rows = { (t: Tensor) in t.shape.rank == 1 ? try t.reshaped([1, t.shape.count]) : t }
        let inputs = try inputs.map(rows)
        let output = try rows(output)
        let tensors = inputs + [output]
        for chunk in try batchChunks(
            shader, batch: output.shape.batch, bytesPerSample: tensors.map { $0.shape.perSample * elementBytes })
        {
            let count = chunk.count * output.shape.perSample
            guard count > 0 else { continue }
            var push = PushConstants()
            push.append(UInt32(count))
            for size in sizes { push.append(UInt32(size)) }
            let bindings =
                try inputs.map { try binding($0, shader, samples: chunk, access: .read) }
                + [try binding(output, shader, samples: chunk, access: .write)]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(count, localSize: local), label: label ?? shader)
        }
    }
}
