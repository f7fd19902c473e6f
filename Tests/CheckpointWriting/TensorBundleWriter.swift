import BigBiGANIO
import Foundation
import Tensors

/// Writes TensorFlow tensor bundles as TensorFlow's `BundleWriter` and `TableBuilder` do, small enough to read in a
/// test, with knobs for what the tests need: several data blocks, restart intervals, and damaged or unusual content.
public struct TensorBundleWriter {
    public struct Item {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public var dtype: Int64 = 1
        public var slices = 0
    }

    public var items: [Item] = []
    /// TensorFlow's default is 256 KiB; small values split the table into many data blocks.
    public var blockSize = 262_144
    /// Entries between restart points in data blocks (TensorFlow: 16; the index block always uses 1).
    public var restartInterval = 16
    public var shardCount = 1
    public var bigEndian = false
    public var compression: UInt8 = 0

    public init() {}

    public mutating func add(_ name: String, _ shape: [Int], _ values: [Float]) {
        items.append(Item(name: name, shape: shape, values: values))
    }

    /// Writes `<prefix>.index` and `<prefix>.data-00000-of-0000N` (all data in shard 0); returns the data block count.
    @discardableResult
    public func write(prefix: URL) throws -> Int {
        var data: [UInt8] = []
        var entries: [([UInt8], [UInt8])] = [([], Proto.header(shards: shardCount, bigEndian: bigEndian))]
        for item in items.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            let bytes = item.values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
            entries.append(
                (
                    Array(item.name.utf8),
                    Proto.entry(
                        dtype: item.dtype, shape: item.shape, offset: data.count, size: bytes.count,
                        crc: CRC32C.mask(CRC32C.checksum(bytes)), slices: item.slices)
                ))
            data += bytes
        }
        let (table, blocks) = Table.build(
            entries, blockSize: blockSize, restartInterval: restartInterval, compression: compression)
        try Data(table).write(to: TensorBundle.indexURL(prefix))
        try Data(data).write(to: TensorBundle.dataURL(prefix, shard: 0, of: shardCount))
        return blocks
    }
}

extension TensorBundleWriter {
    /// Every tensor of `bundle` (all float32) except those in `dropped`: a real checkpoint with some variables taken out.
    public init(copying bundle: TensorBundle, except dropped: Set<String>) throws {
        self.init()
        for name in bundle.names where !dropped.contains(name) {
            let tensor = try bundle.float32(name)
            add(name, tensor.shape.dims, tensor.data)
        }
    }
}

/// LevelDB table building: blocks with prefix-compressed keys and restart arrays, trailers with masked CRC32C, footer.
public enum Table {
    /// A block's contents.
    public static func block(_ entries: [([UInt8], [UInt8])], restartInterval: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var restarts: [UInt32] = []
        var previous: [UInt8] = []
        for (i, (key, value)) in entries.enumerated() {
            var shared = 0
            if i % restartInterval == 0 {
                restarts.append(UInt32(bytes.count))
            } else {
                while shared < min(key.count, previous.count), key[shared] == previous[shared] { shared += 1 }
            }
            bytes +=
                Proto.varint(UInt64(shared)) + Proto.varint(UInt64(key.count - shared))
                + Proto.varint(UInt64(value.count))
            bytes += key[shared...] + value
            previous = key
        }
        if restarts.isEmpty { restarts = [0] }
        for r in restarts + [UInt32(restarts.count)] { bytes.appendLittleEndian(r) }
        return bytes
    }

    /// Appends contents + compression type + masked CRC32C of both; returns the block's handle.
    public static func append(_ contents: [UInt8], to file: inout [UInt8], compression: UInt8 = 0) -> [UInt8] {
        let handle = Proto.varint(UInt64(file.count)) + Proto.varint(UInt64(contents.count))
        file += contents + [compression]
        file.appendLittleEndian(CRC32C.mask(CRC32C.checksum(contents + [compression])))
        return handle
    }

    /// LevelDB's table magic number, the footer's last eight bytes.
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57

    /// A table from raw data block contents, each indexed under its key; `compression` is written into every block.
    public static func assemble(_ dataBlocks: [(contents: [UInt8], indexKey: [UInt8])], compression: UInt8 = 0)
        -> [UInt8]
    {
        var file: [UInt8] = []
        var index: [([UInt8], [UInt8])] = []
        for (contents, key) in dataBlocks { index.append((key, append(contents, to: &file, compression: compression))) }
        let metaindex = append(block([], restartInterval: 1), to: &file, compression: compression)
        let indexHandle = append(block(index, restartInterval: 1), to: &file, compression: compression)
        var footer = metaindex + indexHandle
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        footer.appendLittleEndian(magic)
        return file + footer
    }

    /// Splits sorted entries into blocks of about `blockSize` bytes, indexed by each block's last key.
    public static func build(
        _ entries: [([UInt8], [UInt8])], blockSize: Int, restartInterval: Int, compression: UInt8 = 0
    ) -> ([UInt8], Int) {
        var blocks: [(contents: [UInt8], indexKey: [UInt8])] = []
        var pending: [([UInt8], [UInt8])] = []
        var pendingBytes = 0
        for entry in entries {
            pending.append(entry)
            pendingBytes += entry.0.count + entry.1.count + 3
            if pendingBytes >= blockSize {
                blocks.append((block(pending, restartInterval: restartInterval), entry.0))
                pending = []
                pendingBytes = 0
            }
        }
        if let last = pending.last { blocks.append((block(pending, restartInterval: restartInterval), last.0)) }
        return (assemble(blocks, compression: compression), blocks.count)
    }
}

/// Protocol-buffer encoding of the two bundle messages, with proto3's omission of default values.
public enum Proto {
    public static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var bytes: [UInt8] = []
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return bytes + [UInt8(v)]
    }

    public static func field(_ number: UInt64, varint value: Int64) -> [UInt8] {
        value == 0 ? [] : varint(number << 3) + varint(UInt64(bitPattern: value))
    }

    public static func field(_ number: UInt64, bytes value: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(value.count)) + value
    }

    public static func header(shards: Int, bigEndian: Bool) -> [UInt8] {
        field(1, varint: Int64(shards)) + field(2, varint: bigEndian ? 1 : 0) + field(3, bytes: field(1, varint: 1))
    }

    public static func entry(
        dtype: Int64, shape: [Int], shard: Int = 0, offset: Int, size: Int, crc: UInt32, slices: Int = 0
    ) -> [UInt8] {
        var bytes = field(1, varint: dtype)
        bytes += field(2, bytes: shape.flatMap { field(2, bytes: field(1, varint: Int64($0))) })
        bytes += field(3, varint: Int64(shard)) + field(4, varint: Int64(offset)) + field(5, varint: Int64(size))
        bytes += varint(6 << 3 | 5)
        bytes.appendLittleEndian(crc)
        for _ in 0 ..< slices { bytes += field(7, bytes: []) }
        return bytes
    }
}

extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
