/// A tensor shape, outermost dimension first. Image tensors are NHWC.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral elements: Int...) { dims = elements }

    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    public subscript(i: Int) -> Int { dims[i < 0 ? dims.count + i : i] }

    /// The last dimension: channels for NHWC, features for [N, F].
    public var channels: Int { dims.last ?? 1 }
    /// The first dimension: the batch.
    public var batch: Int { dims.first ?? 1 }
    /// Elements per batch item.
    public var perSample: Int { dims.dropFirst().reduce(1, *) }

    public var description: String { "[" + dims.map(String.init).joined(separator: ",") + "]" }

    /// Throws unless this is a rank-4 NHWC shape; returns (N, H, W, C).
    public func nhwc(_ op: String) throws -> (n: Int, h: Int, w: Int, c: Int) {
        guard rank == 4 else { throw TensorError.shapeMismatch(op: op, "expected NHWC rank 4, got \(self)") }
        return (dims[0], dims[1], dims[2], dims[3])
    }
}
