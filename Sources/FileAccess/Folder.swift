#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Folders through system calls, with names as bytes: `FileManager` drops or mangles names that are not UTF-8.
package enum Folder {
    /// Whether `path` is a folder (following symbolic links); throws the system's reason when it cannot be looked at,
    /// e.g. "No such file or directory".
    package static func exists(at path: SystemPath) throws(FileSystemFailure) -> Bool {
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0 else { throw .lastSystemError() }
        return info.st_mode & S_IFMT == S_IFDIR
    }

    /// The names of the entries of the folder at `path`, except "." and "..", in the order the system lists them.
    package static func entries(of path: SystemPath) throws(FileSystemFailure) -> [[UInt8]] {
        guard let folder = path.withCString(opendir) else { throw .lastSystemError() }
        defer { closedir(folder) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(folder) else {
                if errno != 0 { throw .lastSystemError("reading the folder failed") }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] { names.append(name) }
        }
    }
}
