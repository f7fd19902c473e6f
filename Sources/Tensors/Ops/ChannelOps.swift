/// Shape rules of the last-axis layout ops: concat, zero padding (RevNet's channel doubling) and slicing.
public enum ChannelOps {
    public static func concatShape(_ a: Shape, _ b: Shape) throws -> Shape {
        guard a.rank >= 1, a.rank == b.rank, a.dims.dropLast() == b.dims.dropLast() else {
            throw TensorError.shapeMismatch(op: "concatChannels", "\(a) and \(b) differ outside the last axis")
        }
        return Shape(a.dims.dropLast() + [a.channels + b.channels])
    }

    public static func padShape(_ x: Shape, before: Int, after: Int) throws -> Shape {
        guard x.rank >= 1 else { throw TensorError.shapeMismatch(op: "padChannels", "scalar input") }
        guard before >= 0, after >= 0 else {
            throw TensorError.unsupported(op: "padChannels", "negative padding \(before), \(after)")
        }
        return Shape(x.dims.dropLast() + [x.channels + before + after])
    }

    public static func sliceShape(_ x: Shape, start: Int, count: Int) throws -> Shape {
        guard x.rank >= 1 else { throw TensorError.shapeMismatch(op: "sliceChannels", "scalar input") }
        guard start >= 0, count >= 1, start + count <= x.channels else {
            throw TensorError.shapeMismatch(
                op: "sliceChannels", "channels \(start)..<\(start + count) outside 0..<\(x.channels)")
        }
        return Shape(x.dims.dropLast() + [count])
    }
}
