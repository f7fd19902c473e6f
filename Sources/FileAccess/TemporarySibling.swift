import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A temporary file or folder next to a destination, named `.<name>.tmp-<UUID>`, held under an exclusive `flock`
/// for as long as the process writing it lives. The system drops the lock when that process ends, however it ends, so
/// a temporary whose lock is free was abandoned by a writer that died, and the next writer to the destination removes
/// it.
struct TemporarySibling {
    /// The temporary's path.
    let path: String
    /// An open descriptor holding the lock: the file itself, or the folder.
    let descriptor: Int32

    /// The names of `destination`'s temporaries start with this.
    static func prefix(of destination: URL) -> String { "." + destination.lastPathComponent + ".tmp-" }

    /// Creates and locks a new temporary file (or, with `folder`, folder) for `destination`, listed in
    /// `LiveTemporaries`, after removing the abandoned temporaries of `destination`.
    static func create(for destination: URL, folder: Bool = false) throws(FileSystemFailure) -> TemporarySibling {
        removeAbandoned(of: destination)
        let directory = destination.deletingLastPathComponent().path
        while true {
            let path = directory + "/" + prefix(of: destination) + UUID().uuidString
            let descriptor: Int32
            if folder {
                guard mkdir(path, 0o755) == 0 else {
                    throw FileSystemFailure(
                        detail: "cannot create a temporary folder in \(directory): \(systemError())")
                }
                descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            } else {
                descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            }
            guard descriptor >= 0 else {
                let reason = systemError()
                if folder { rmdir(path) }
                throw FileSystemFailure(detail: "cannot create a temporary file in \(directory): \(reason)")
            }
            LiveTemporaries.add(path)
            // Where locks are not supported, no cleanup can take the lock either, so the temporary is safe unlocked.
            _ = flock(descriptor, LOCK_EX)
            var status = stat()
            // Another writer's cleanup may remove the new temporary before it is locked; if so, make another.
            if fstat(descriptor, &status) == 0, status.st_nlink == 0 {
                close(descriptor)
                LiveTemporaries.finishing(path) {}
                continue
            }
            return TemporarySibling(path: path, descriptor: descriptor)
        }
    }

    /// Removes the temporaries of `destination` that no live process holds: those left by a writer that was killed.
    static func removeAbandoned(of destination: URL) {
        let directory = destination.deletingLastPathComponent().path
        let prefix = prefix(of: destination)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            let path = directory + "/" + name
            let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { try? FileManager.default.removeItem(atPath: path) }
            close(descriptor)
        }
    }

    /// The last system call's failure in words.
    static func systemError() -> String { String(cString: strerror(errno)) }
}
