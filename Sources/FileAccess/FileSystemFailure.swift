/// A file-system call that failed, in the system's words.
package struct FileSystemFailure: Error {
    package let detail: String

    package init(detail: String) { self.detail = detail }
}
