#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// POSIX open(2) for reading, outside `RegularFile` so the name is not taken for its method.
private func openForReading(_ path: UnsafePointer<CChar>) -> Int32 {
    // O_NONBLOCK: should a FIFO replace the file between stat and open, the open returns instead of waiting.
    open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
}

/// Opens regular files for reading and refuses anything else by its type before opening it: opening a FIFO blocks
/// until a writer comes, and opening a device can have side effects.
package enum RegularFile {
    /// A read-only descriptor of the regular file at `path` (close it), and the file's size.
    package static func open(_ path: SystemPath) throws(FileSystemFailure) -> (descriptor: Int32, size: Int) {
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0 else { throw .lastSystemError() }
        try requireRegular(info)
        let descriptor = path.withCString(openForReading)
        guard descriptor >= 0 else { throw .lastSystemError() }
        guard fstat(descriptor, &info) == 0 else {
            let failure = FileSystemFailure.lastSystemError("stat failed")
            close(descriptor)
            throw failure
        }
        do {
            try requireRegular(info)
        } catch {
            close(descriptor)
            throw error
        }
        return (descriptor, Int(info.st_size))
    }

    private static func requireRegular(_ info: stat) throws(FileSystemFailure) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a special file"
        }
        throw FileSystemFailure(detail: "it is \(kind), not a regular file")
    }
}
