import Dispatch

/// The reference backend: plain Swift loops in float32 (reductions in float64 where the order matters),
/// written for clarity first and parallelised over independent outputs.
public final class CPUBackend: Backend {
    public let name = "cpu"

    public init() {}

    public func upload(_ host: HostTensor) throws -> Tensor {
        Tensor(shape: host.shape, storage: HostStorage(host.data), owner: ObjectIdentifier(self))
    }

    public func download(_ tensor: Tensor) throws -> HostTensor {
        try HostTensor(shape: tensor.shape, data: data(tensor, "download"))
    }

    public func synchronize() throws {}

    /// The elements of a tensor of this backend.
    func data(_ tensor: Tensor, _ op: String) throws -> [Float] {
        try own(tensor, op)
        guard let storage = tensor.storage as? HostStorage else {
            throw TensorError.wrongBackend(op: op, expected: name, got: "another")
        }
        return storage.data
    }

    /// A new tensor whose elements are written by `fill` into uninitialised storage of `shape.count` floats.
    func make(_ shape: Shape, _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Tensor {
        let data = try [Float](unsafeUninitializedCapacity: shape.count) { buffer, count in
            try fill(buffer)
            count = shape.count
        }
        return Tensor(shape: shape, storage: HostStorage(data), owner: ObjectIdentifier(self))
    }

    /// Runs `body(i)` for i in 0..<count on all cores, in contiguous chunks.
    static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        let chunks = min(count, max(1, System.coreCount * 4))
        guard chunks > 1 else {
            (0 ..< count).forEach(body)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                for i in start ..< end { box.value(i) }
            }
        }
    }
}

/// Lets a closure that writes disjoint parts of a buffer cross into `concurrentPerform`.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

enum System {
    static let coreCount: Int = {
        #if canImport(Glibc)
            return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
            return 4
        #endif
    }()
}

#if canImport(Glibc)
    import Glibc
#endif
