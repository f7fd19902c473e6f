extension CPUBackend {
    public func concatChannels(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try ChannelOps.concatShape(a.shape, b.shape)
        let lhs = try data(a, "concatChannels")
        let rhs = try data(b, "concatChannels")
        let ca = a.shape.channels
        let cb = b.shape.channels
        return make(shape) { y in
            for row in 0 ..< shape.count / max(ca + cb, 1) {
                for j in 0 ..< ca { y[row * (ca + cb) + j] = lhs[row * ca + j] }
                for j in 0 ..< cb { y[row * (ca + cb) + ca + j] = rhs[row * cb + j] }
            }
        }
    }

    public func padChannels(_ x: Tensor, before: Int, after: Int) throws -> Tensor {
        let shape = try ChannelOps.padShape(x.shape, before: before, after: after)
        let input = try data(x, "padChannels")
        let c = x.shape.channels
        let out = shape.channels
        return make(shape) { y in
            y.initialize(repeating: 0)
            for row in 0 ..< shape.count / max(out, 1) {
                for j in 0 ..< c { y[row * out + before + j] = input[row * c + j] }
            }
        }
    }

    public func sliceChannels(_ x: Tensor, start: Int, count: Int) throws -> Tensor {
        let shape = try ChannelOps.sliceShape(x.shape, start: start, count: count)
        let input = try data(x, "sliceChannels")
        let c = x.shape.channels
        return make(shape) { y in
            for row in 0 ..< shape.count / count {
                for j in 0 ..< count { y[row * count + j] = input[row * c + start + j] }
            }
        }
    }
}
