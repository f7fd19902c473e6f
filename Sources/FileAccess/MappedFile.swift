#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory: a checkpoint's data shards are paged in only where tensors are read.
/// (If another process truncates the file while it is mapped, reading the lost pages faults: files are assumed stable.)
package final class MappedFile: @unchecked Sendable {
    /// The file's bytes; valid for the object's lifetime.
    package let bytes: UnsafeRawBufferPointer

    package init(path: String) throws(FileSystemFailure) {
        let (descriptor, size) = try RegularFile.open(SystemPath(path))
        defer { close(descriptor) }
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            throw .lastSystemError("mmap failed")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
