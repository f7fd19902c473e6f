/// Float32 data on the host with its shape: what goes into and comes out of a backend.
public struct HostTensor: Sendable, Equatable {
    public var shape: Shape
    public var data: [Float]

    /// Throws if `data.count` differs from the shape's element count.
    public init(shape: Shape, data: [Float]) throws {
        guard shape.dims.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidData("negative dimension in \(shape)")
        }
        guard data.count == shape.count else {
            throw TensorError.invalidData("\(data.count) values for shape \(shape) (\(shape.count) expected)")
        }
        self.shape = shape
        self.data = data
    }

    /// A zero-filled tensor.
    public init(zeros shape: Shape) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.count)
    }

    /// Element at a multi-index (row-major).
    public subscript(_ index: Int...) -> Float {
        var flat = 0
        for (i, d) in zip(index, shape.dims) { flat = flat * d + i }
        return data[flat]
    }
}

/// Where a backend keeps a tensor's elements. Each backend stores its own kind (host memory, a range of device
/// memory) and reads back only tensors it made.
public protocol TensorStorage: AnyObject, Sendable {}

/// Host buffer of the CPU backend; a class so reshaped views share it.
final class HostStorage: TensorStorage, @unchecked Sendable {
    var data: [Float]
    init(_ data: [Float]) { self.data = data }
}

/// A tensor owned by one backend. Immutable from the outside: ops return new tensors.
public final class Tensor: @unchecked Sendable {
    public let shape: Shape
    /// The backend's representation of the elements.
    package let storage: any TensorStorage
    /// Identifies the backend instance that made it.
    package let owner: ObjectIdentifier

    package init(shape: Shape, storage: any TensorStorage, owner: ObjectIdentifier) {
        self.shape = shape
        self.storage = storage
        self.owner = owner
    }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: Shape) throws -> Tensor {
        guard newShape.count == shape.count else {
            throw TensorError.shapeMismatch(
                op: "reshape", "\(shape) has \(shape.count) elements, \(newShape) has \(newShape.count)")
        }
        return Tensor(shape: newShape, storage: storage, owner: owner)
    }
}
