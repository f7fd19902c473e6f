import Tensors
import VulkanCompute

extension VulkanBackend {
    /// One workgroup per row of `softmax.comp`, split by batch when the tensor exceeds the binding range.
    public func softmax(_ x: Tensor) throws -> Tensor {
        try Softmax.validate(x.shape)
        try own(x, "softmax")
        let y = try makeTensor(x.shape)
        let c = x.shape.channels
        // Rank 1 is a single row, never split by batch.
        let input = x.shape.rank == 1 ? try x.reshaped([1, c]) : x
        let output = x.shape.rank == 1 ? try y.reshaped([1, c]) : y
        // A power of two for the tree reduction, no wider than the row needs.
        var local = 32
        while local < c, local < min(256, Int(context.limits.maxWorkGroupInvocations)) { local *= 2 }
        let k = try kernel("softmax", bindings: 2, pushWords: 2, specialization: [.uint(UInt32(local))])
        let perSample = input.shape.perSample
        for chunk in try batchChunks("softmax", batch: input.shape.batch, bytesPerSample: [perSample * elementBytes]) {
            let rows = chunk.count * perSample / c
            guard rows > 0 else { continue }
            var push = PushConstants()
            push.append(UInt32(rows))
            push.append(UInt32(c))
            let bindings = try [
                binding(input, "softmax", samples: chunk, access: .read),
                binding(output, "softmax", samples: chunk, access: .write),
            ]
            try recorder.dispatch(
                k, bindings: bindings, push: push, groups: grid1D(rows, localSize: 1), label: "softmax")
        }
        return y
    }
}
