import Foundation

/// One file of the on-disk caches (compiled SPIR-V, the driver's pipeline cache): a payload behind a header that
/// names the key it was made for and carries a SHA-256 of the payload, so that a damaged, truncated or misplaced
/// file is recognised and rebuilt instead of reaching the driver.
///
/// Layout, integers little-endian:
///
///     offset  size  field
///          0     8  magic "BBGCACHE"
///          8     4  format version (1)
///         12     8  payload length in bytes
///         20    32  key: SHA-256 of everything that determines the payload
///         52    32  SHA-256 of the payload
///         84     n  payload
enum CacheEntry {
    static let magic = Array("BBGCACHE".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 84

    /// What reading an entry's file found.
    enum Contents: Equatable {
        /// No file: a cold cache, nothing to report.
        case missing
        /// The payload, checked against the header.
        case valid([UInt8])
        /// A file that is not a whole entry for the key; why, in words.
        case damaged(String)
    }

    /// The file's bytes for `payload` made for `key` (32 bytes).
    static func encode(_ payload: [UInt8], key: [UInt8]) -> [UInt8] {
        var bytes = magic
        withUnsafeBytes(of: formatVersion.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes += $0 }
        return bytes + key + SHA256.digest(payload) + payload
    }

    /// The payload of `bytes` if they are a whole entry made for `key`, else why not.
    static func decode(_ bytes: [UInt8], key: [UInt8]) -> Contents {
        guard bytes.count >= headerSize else {
            return .damaged("\(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        guard bytes[0 ..< 8].elementsEqual(magic) else { return .damaged("not a cache entry (no BBGCACHE magic)") }
        let version = littleEndian(bytes[8 ..< 12], as: UInt32.self)
        guard version == formatVersion else { return .damaged("format version \(version), expected \(formatVersion)") }
        let length = littleEndian(bytes[12 ..< 20], as: UInt64.self)
        guard length == UInt64(bytes.count - headerSize) else {
            return .damaged("header says \(length) payload bytes, the file holds \(bytes.count - headerSize)")
        }
        guard bytes[20 ..< 52].elementsEqual(key) else { return .damaged("made for another key") }
        let payload = Array(bytes[headerSize...])
        guard bytes[52 ..< 84].elementsEqual(SHA256.digest(payload)) else {
            return .damaged("payload fails its SHA-256 checksum")
        }
        return .valid(payload)
    }

    /// Reads the entry at `url` made for `key`.
    static func read(_ url: URL, key: [UInt8]) -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        guard let data = FileManager.default.contents(atPath: url.path) else { return .damaged("unreadable") }
        return decode([UInt8](data), key: key)
    }

    /// Writes the entry for `payload` to `url` through a temporary file and a rename, so that a concurrent reader
    /// (another process sharing the cache) sees the old entry or the new one, never half of one. Best effort: a
    /// read-only cache directory only costs rebuilding next time.
    static func write(_ payload: [UInt8], key: [UInt8], to url: URL) {
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt64.random(in: 0 ... .max))")
        guard (try? Data(encode(payload, key: key)).write(to: temporary)) != nil else { return }
        if rename(temporary.path, url.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }

    /// The diagnostic line for an entry at `file` discarded for `reason`.
    static func discarded(_ file: URL, _ reason: String) -> String {
        "discarded cache entry \(file.path): \(reason); rebuilding it"
    }

    private static func littleEndian<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type) -> T {
        bytes.reversed().reduce(T(0)) { $0 << 8 | T($1) }
    }
}
