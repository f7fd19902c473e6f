import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// POSIX read(2), outside `FileBytes` so the name is not taken for its method.
private func readFromDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Reads a whole file once.
package enum FileBytes {
    /// The contents of the regular file at `path`, or the reason, in the system's words, why they could not be read
    /// (directories, FIFOs and devices are refused by their type).
    package static func read(_ path: SystemPath) throws(FileSystemFailure) -> Data {
        let (descriptor, size) = try RegularFile.open(path)
        defer { close(descriptor) }
        var data = Data(count: size + 1)  // one byte more than the size, so the end is seen without growing
        var filled = 0
        while true {
            if filled == data.count { data.count *= 2 }  // the file grew while being read
            let count = data.withUnsafeMutableBytes {
                readFromDescriptor(descriptor, $0.baseAddress! + filled, $0.count - filled)
            }
            if count == 0 { break }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw .lastSystemError("read failed")
            }
            filled += count
        }
        data.count = filled
        return data
    }

    /// The contents of the regular file at `url`.
    package static func read(_ url: URL) throws(FileSystemFailure) -> Data { try read(SystemPath(url.path)) }
}
