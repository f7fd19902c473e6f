import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// POSIX write(2), outside `Sink` so the name is not taken for a method.
private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// Writes a file through a temporary sibling that is renamed over the destination only once everything is written,
/// so a failure never leaves a half-written file behind (and never damages an existing one).
package enum AtomicFile {
    /// Receives the file's bytes in order.
    package final class Sink {
        fileprivate let descriptor: Int32

        fileprivate init(descriptor: Int32) { self.descriptor = descriptor }

        /// Appends bytes, retrying short writes and interrupted calls.
        package func append(_ bytes: UnsafeRawBufferPointer) throws(FileSystemFailure) {
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = writeToDescriptor(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileSystemFailure(detail: "write failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }

        /// Appends bytes.
        package func append(_ bytes: [UInt8]) throws(FileSystemFailure) {
            let result = bytes.withUnsafeBytes { buffer in Result { () throws(FileSystemFailure) in try append(buffer) }
            }
            try result.get()
        }
    }

    /// Creates a temporary file next to `url`, lets `body` fill it, flushes it to disk and renames it to `url`.
    /// Errors thrown by `body` are rethrown unchanged after the temporary file is removed.
    package static func write(to url: URL, _ body: (Sink) throws -> Void) throws {
        let destination = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileSystemFailure(
                detail: "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        var stillOpen = true
        do {
            try body(Sink(descriptor: descriptor))
            guard fsync(descriptor) == 0 else {
                throw FileSystemFailure(detail: "fsync failed: \(String(cString: strerror(errno)))")
            }
            stillOpen = false
            guard close(descriptor) == 0 else {
                throw FileSystemFailure(detail: "close failed: \(String(cString: strerror(errno)))")
            }
            guard rename(temporary, destination) == 0 else {
                throw FileSystemFailure(
                    detail: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            if stillOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }
}
