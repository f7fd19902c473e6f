/// A TensorFlow `DataType` enum value (`tensorflow/core/framework/types.proto`), named as TensorFlow names it.
public struct TensorDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The enum's number on the wire (1 = DT_FLOAT, 9 = DT_INT64, …).
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// `DT_FLOAT`: float32, the only type `TensorBundle.float32` reads.
    public static let float = TensorDataType(rawValue: 1)

    /// Bytes per element of the numeric types, nil for others (strings, variants, resources, unknown values).
    public var itemSize: Int? { Self.known[rawValue]?.size }

    /// `DT_FLOAT`, `DT_INT64`, …, or `DataType <n>` for values this reader does not know.
    public var description: String { Self.known[rawValue].map { "DT_\($0.name)" } ?? "DataType \(rawValue)" }

    private static let known: [Int64: (name: String, size: Int?)] = [
        0: ("INVALID", nil), 1: ("FLOAT", 4), 2: ("DOUBLE", 8), 3: ("INT32", 4), 4: ("UINT8", 1), 5: ("INT16", 2),
        6: ("INT8", 1), 7: ("STRING", nil), 8: ("COMPLEX64", 8), 9: ("INT64", 8), 10: ("BOOL", 1), 11: ("QINT8", 1),
        12: ("QUINT8", 1), 13: ("QINT32", 4), 14: ("BFLOAT16", 2), 15: ("QINT16", 2), 16: ("QUINT16", 2),
        17: ("UINT16", 2), 18: ("COMPLEX128", 16), 19: ("HALF", 2), 20: ("RESOURCE", nil), 21: ("VARIANT", nil),
        22: ("UINT32", 4), 23: ("UINT64", 8),
    ]
}

/// The bundle's header (`BundleHeaderProto`, the table entry under the empty key).
public struct BundleHeader: Sendable, Equatable {
    /// How many data files the bundle has (`num_shards`, at least 1).
    public var shardCount: Int
    /// Byte order of the data files; only little-endian bundles can be read.
    public var isBigEndian: Bool
    /// `version.producer`: the bundle format version that wrote the file (1).
    public var producerVersion: Int

    static func decode(_ bytes: [UInt8]) throws(FormatProblem) -> BundleHeader {
        var header = BundleHeader(shardCount: 0, isBigEndian: false, producerVersion: 0)
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: header.shardCount = Int(try value.int32("num_shards"))
            case 2: header.isBigEndian = try value.integer("endianness") != 0
            case 3:
                var version = ProtobufReader(bytes, try value.bytes("version"))
                while let (versionField, versionValue) = try version.next() {
                    if versionField == 1 { header.producerVersion = Int(try versionValue.int32("version.producer")) }
                }
            default: break
            }
        }
        guard header.shardCount >= 1 else { throw .corrupt("the header gives \(header.shardCount) data shards") }
        return header
    }
}

/// Where and how one tensor is stored (`BundleEntryProto`).
public struct BundleEntry: Sendable, Equatable {
    /// The element type; only `.float` tensors can be read.
    public var dtype: TensorDataType
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Which data file holds the bytes.
    public var shard: Int
    /// Where the bytes start in that file.
    public var offset: Int
    /// How many bytes: elements × item size for numeric types.
    public var size: Int
    /// The masked CRC32C of the bytes, as stored.
    public var maskedCRC32C: UInt32
    /// Partitioned variables list their slices here and store the data under other keys; not readable here.
    public var sliceCount: Int

    static func decode(_ bytes: [UInt8]) throws(FormatProblem) -> BundleEntry {
        var entry = BundleEntry(
            dtype: TensorDataType(rawValue: 0), shape: [], shard: 0, offset: 0, size: 0, maskedCRC32C: 0, sliceCount: 0)
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: entry.dtype = TensorDataType(rawValue: try value.integer("dtype"))
            case 2: entry.shape = try decodeShape(bytes, try value.bytes("shape"))
            case 3: entry.shard = Int(try value.int32("shard_id"))
            case 4: entry.offset = Int(try value.integer("offset"))
            case 5: entry.size = Int(try value.integer("size"))
            case 6: entry.maskedCRC32C = try value.fixed32("crc32c")
            case 7: entry.sliceCount += 1
            default: break
            }
        }
        guard entry.shard >= 0, entry.offset >= 0, entry.size >= 0 else {
            throw .corrupt("negative shard \(entry.shard), offset \(entry.offset) or size \(entry.size)")
        }
        return entry
    }

    /// `TensorShapeProto`: repeated `dim` (field 2) with `size` (field 1); `unknown_rank` (3) is invalid for stored data.
    private static func decodeShape(_ bytes: [UInt8], _ range: Range<Int>) throws(FormatProblem) -> [Int] {
        var dims: [Int] = []
        var reader = ProtobufReader(bytes, range)
        while let (field, value) = try reader.next() {
            switch field {
            case 2:
                var size: Int64 = 0
                var dim = ProtobufReader(bytes, try value.bytes("shape.dim"))
                while let (dimField, dimValue) = try dim.next() {
                    if dimField == 1 { size = try dimValue.integer("dim.size") }
                }
                guard size >= 0 else { throw .corrupt("shape has an unknown or negative dimension \(size)") }
                dims.append(Int(size))
            case 3:
                if try value.integer("unknown_rank") != 0 { throw .corrupt("stored tensor has an unknown rank") }
            default: break
            }
        }
        return dims
    }
}
