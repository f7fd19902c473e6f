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
    /// Errors thrown by `body` are rethrown unchanged after the temporary file is removed. The temporary is a
    /// `TemporarySibling`: removed by `LiveTemporaries.removeAllBeforeExit` if the process is stopped by a signal, and
    /// by the next write to `url` if the process was killed.
    package static func write(to url: URL, _ body: (Sink) throws -> Void) throws {
        let temporary = try TemporarySibling.create(for: url)
        var stillOpen = true
        do {
            try body(Sink(descriptor: temporary.descriptor))
            guard fsync(temporary.descriptor) == 0 else {
                throw FileSystemFailure(detail: "fsync failed: \(TemporarySibling.systemError())")
            }
            stillOpen = false
            guard close(temporary.descriptor) == 0 else {
                throw FileSystemFailure(detail: "close failed: \(TemporarySibling.systemError())")
            }
            let renameFailure = LiveTemporaries.finishing(temporary.path) {
                rename(temporary.path, url.path) == 0 ? nil : TemporarySibling.systemError()
            }
            if let renameFailure {
                throw FileSystemFailure(detail: "cannot move the finished file into place: \(renameFailure)")
            }
        } catch {
            if stillOpen { close(temporary.descriptor) }
            LiveTemporaries.finishing(temporary.path) { _ = unlink(temporary.path) }
            throw error
        }
    }

    /// Throws unless a file can be written at `url`: its folder exists and is writable, and `url` is not a folder.
    /// Checked before long work, so that a run does not compute for nothing.
    package static func checkDestination(_ url: URL) throws(FileSystemFailure) {
        var status = stat()
        if stat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw FileSystemFailure(detail: "\(url.path) is a folder")
        }
        try checkFolder(url.deletingLastPathComponent(), mayBeMissing: false)
    }

    /// Throws unless files can be written in the folder `url`, or, with `mayBeMissing`, unless it can be created:
    /// its nearest existing ancestor is a writable folder.
    package static func checkFolder(_ url: URL, mayBeMissing: Bool) throws(FileSystemFailure) {
        var folder = url.standardizedFileURL
        var status = stat()
        while stat(folder.path, &status) != 0 {
            guard errno == ENOENT, mayBeMissing, folder.path != "/" else {
                throw FileSystemFailure(
                    detail: "cannot use the folder \(folder.path): \(TemporarySibling.systemError())")
            }
            folder.deleteLastPathComponent()
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw FileSystemFailure(detail: "\(folder.path) is not a folder")
        }
        guard access(folder.path, W_OK | X_OK) == 0 else {
            throw FileSystemFailure(detail: "cannot write in \(folder.path): \(TemporarySibling.systemError())")
        }
    }
}
