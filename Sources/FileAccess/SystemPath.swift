/// A file path as the bytes the system calls take. On Linux a file name is any bytes but "/" and NUL, not necessarily
/// UTF-8, and `String`, `URL` and `FileManager` replace the bytes they cannot decode, losing the file; this keeps them.
package struct SystemPath: Hashable, Sendable, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL.
    package let bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// The path spelled by `path`'s UTF-8.
    package init(_ path: String) { bytes = Array(path.utf8) }

    /// The path for people: its UTF-8 as text, each byte that is not part of valid UTF-8 as `\xNN` (as `ls -b` shows it).
    package var description: String {
        var text = ""
        LenientUTF8.decode(
            bytes, scalar: { text.unicodeScalars.append($0) },
            invalidByte: { text += "\\x" + String($0, radix: 16, uppercase: true) })
        return text
    }

    /// The path of `name` inside this folder.
    package func appending(_ name: some Collection<UInt8>) -> SystemPath {
        SystemPath(bytes: bytes.last == UInt8(ascii: "/") ? bytes + name : bytes + [UInt8(ascii: "/")] + name)
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    package func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
