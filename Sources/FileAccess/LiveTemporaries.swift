import Foundation

/// The temporary files and folders this process is writing (`AtomicFile`, `StagedFiles`), so that a process ended by
/// a signal can remove them on its way out (`removeAllBeforeExit`). A writer killed outright (SIGKILL) cannot; the
/// next writer to the same destination removes what it left (`TemporarySibling.removeAbandoned`).
package enum LiveTemporaries {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []

    /// Lists a temporary that now exists.
    static func add(_ path: String) {
        lock.withLock { _ = paths.insert(path) }
    }

    /// Runs `finish` (a rename into place, a removal) and drops `path` from the list in one step, so that
    /// `removeAllBeforeExit` sees the temporary either before (and removes it) or after (and leaves the result).
    static func finishing<T>(_ path: String, _ finish: () -> T) -> T {
        lock.withLock {
            defer { paths.remove(path) }
            return finish()
        }
    }

    /// Removes every listed temporary and keeps the list locked, so that none is made or finished afterwards: for
    /// a process that is about to end.
    package static func removeAllBeforeExit() {
        lock.lock()
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths.removeAll()
    }
}
