#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file-system call that failed, in the system's words.
package struct FileSystemFailure: Error {
    package let detail: String

    package init(detail: String) { self.detail = detail }

    /// The failure `errno` describes now, as the system words it ("No such file or directory"), after `action` if given.
    package static func lastSystemError(_ action: String? = nil) -> FileSystemFailure {
        let reason = String(cString: strerror(errno))
        return FileSystemFailure(detail: action.map { "\($0): \(reason)" } ?? reason)
    }
}
