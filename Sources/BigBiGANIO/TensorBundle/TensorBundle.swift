import FileAccess
import Foundation
import Tensors

/// A TensorFlow tensor bundle (V2 checkpoint; format in `docs/released-modules.md`, Tensor bundle format):
/// `<prefix>.index`, a table mapping variable names to where their bytes are, and data shards
/// `<prefix>.data-NNNNN-of-MMMMM`.
///
/// Opening parses and checks the whole index (every block's CRC32C) and maps the data shards into memory; a tensor's
/// bytes are touched only when it is read, and its CRC32C is verified on every read. Only little-endian float32
/// tensors are returned; other dtypes and partitioned variables are reported as unsupported, never reinterpreted.
public final class TensorBundle: Sendable {
    /// The path prefix, e.g. `module/variables/variables`.
    public let prefix: URL
    public let header: BundleHeader
    /// Every stored tensor by variable name (keys that are not UTF-8 are shown with `\xNN` escapes).
    public let entries: [String: BundleEntry]
    private let shards: [Int: MappedFile]

    /// Reads `<prefix>.index` and maps the data shards its entries refer to.
    public init(prefix: URL) throws(TensorFileError) {
        self.prefix = prefix
        let index = Self.indexURL(prefix)
        let file: [UInt8]
        do {
            file = [UInt8](try FileBytes.read(index))
        } catch {
            throw TensorFileError(path: index.path, kind: .unreadable, detail: error.detail)
        }
        do {
            (header, entries) = try Self.decodeIndex(file)
        } catch {
            throw TensorFileError(path: index.path, kind: error.kind, detail: error.detail)
        }
        var shards: [Int: MappedFile] = [:]
        for shard in Set(entries.values.map(\.shard)) {
            let url = Self.dataURL(prefix, shard: shard, of: header.shardCount)
            do {
                shards[shard] = try MappedFile(path: url.path)
            } catch {
                throw TensorFileError(
                    path: url.path, kind: .unreadable,
                    detail: "data shard \(shard) of \(header.shardCount): \(error.detail)")
            }
        }
        self.shards = shards
    }

    /// `<prefix>.index`.
    public static func indexURL(_ prefix: URL) -> URL { URL(fileURLWithPath: prefix.path + ".index") }

    /// `<prefix>.data-%05d-of-%05d` (TensorFlow's `naming.cc`).
    public static func dataURL(_ prefix: URL, shard: Int, of count: Int) -> URL {
        func digits(_ n: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, 5 - s.count)) + s
        }
        return URL(fileURLWithPath: prefix.path + ".data-\(digits(shard))-of-\(digits(count))")
    }

    /// Variable names in byte order.
    public var names: [String] { entries.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    /// The float32 tensor `name`, its checksum verified.
    public func float32(_ name: String) throws(TensorFileError) -> HostTensor {
        let indexPath = Self.indexURL(prefix).path
        guard let entry = entries[name] else {
            throw TensorFileError(path: indexPath, kind: .notFound, detail: "no tensor named '\(name)'")
        }
        guard entry.sliceCount == 0 else {
            throw TensorFileError(
                path: indexPath, kind: .unsupported,
                detail: "'\(name)' is a partitioned variable stored in \(entry.sliceCount) slices")
        }
        guard entry.dtype == .float else {
            throw TensorFileError(
                path: indexPath, kind: .unsupported,
                detail: "'\(name)' has dtype \(entry.dtype); only DT_FLOAT tensors are read")
        }
        guard let expected = ElementCount.bytes(of: entry.shape, bytesPerElement: 4), expected == entry.size else {
            throw TensorFileError(
                path: indexPath, kind: .corrupt,
                detail: "'\(name)' of shape \(entry.shape) is stored in \(entry.size) bytes, not 4 per element")
        }
        let dataPath = Self.dataURL(prefix, shard: entry.shard, of: header.shardCount).path
        guard let shard = shards[entry.shard] else {
            throw TensorFileError(path: dataPath, kind: .unreadable, detail: "data shard \(entry.shard) is not open")
        }
        let (end, overflow) = entry.offset.addingReportingOverflow(entry.size)
        guard !overflow, end <= shard.bytes.count else {
            throw TensorFileError(
                path: dataPath, kind: .corrupt,
                detail:
                    "'\(name)' at bytes \(entry.offset)..<\(entry.offset &+ entry.size) lies beyond the shard's \(shard.bytes.count) bytes"
            )
        }
        let bytes = UnsafeRawBufferPointer(rebasing: shard.bytes[entry.offset ..< end])
        let stored = CRC32C.unmask(entry.maskedCRC32C)
        let actual = CRC32C.checksum(bytes)
        guard stored == actual else {
            throw TensorFileError(
                path: dataPath, kind: .corrupt,
                detail:
                    "'\(name)' fails its checksum (stored CRC32C 0x\(String(stored, radix: 16)), computed 0x\(String(actual, radix: 16)))"
            )
        }
        do {
            return try HostTensor(shape: Shape(entry.shape), data: bytes.float32sFromLittleEndian())
        } catch {
            throw TensorFileError(path: dataPath, kind: .corrupt, detail: "'\(name)': \(error)")
        }
    }

    /// The header and entries of an index file's bytes: the first table key must be empty and hold the header.
    static func decodeIndex(_ file: [UInt8]) throws(FormatProblem) -> (BundleHeader, [String: BundleEntry]) {
        let table = try TableFile.entries(of: file)
        guard let first = table.first, first.key.isEmpty else {
            throw .corrupt("the table has no bundle header (empty key)")
        }
        let header: BundleHeader
        do {
            header = try BundleHeader.decode(first.value)
        } catch {
            throw error.within("bundle header")
        }
        guard !header.isBigEndian else { throw .unsupported("the bundle's data is big-endian") }
        var entries: [String: BundleEntry] = [:]
        for item in table.dropFirst() {
            let name = String(validating: item.key, as: UTF8.self) ?? TableFile.printable(item.key)
            do throws(FormatProblem) {
                let entry = try BundleEntry.decode(item.value)
                guard entry.shard < header.shardCount else {
                    throw .corrupt("shard \(entry.shard) is beyond the header's \(header.shardCount) shards")
                }
                entries[name] = entry
            } catch {
                throw error.within("entry '\(name)'")
            }
        }
        return (header, entries)
    }
}
