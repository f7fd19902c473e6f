/// A minimal protocol-buffers wire-format decoder: enough for TensorFlow's bundle messages.
/// Unknown fields are skipped; proto3 fields that are absent keep their defaults (zero, empty).
struct ProtobufReader {
    /// A field's payload, by wire type.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        /// The byte range of a length-delimited payload (string, bytes, sub-message, packed repeated).
        case bytes(Range<Int>)
        case fixed32(UInt32)
    }

    private var cursor: ByteCursor

    init(_ bytes: [UInt8], _ range: Range<Int>) { cursor = ByteCursor(bytes, range) }
    init(_ bytes: [UInt8]) { cursor = ByteCursor(bytes) }

    /// The next field number and its value, or nil at the end of the message.
    mutating func next() throws(FormatProblem) -> (field: UInt64, value: Value)? {
        guard !cursor.isAtEnd else { return nil }
        let start = cursor.position
        let tag = try cursor.varint64()
        let field = tag >> 3
        guard field > 0 else { throw .corrupt("protobuf field number 0 at byte \(start)") }
        switch tag & 7 {
        case 0: return (field, .varint(try cursor.varint64()))
        case 1: return (field, .fixed64(try cursor.fixed64()))
        case 2: return (field, .bytes(try cursor.take(try cursor.count(), "protobuf field \(field)")))
        case 5: return (field, .fixed32(try cursor.fixed32()))
        default: throw .corrupt("protobuf field \(field) at byte \(start) has unsupported wire type \(tag & 7)")
        }
    }
}

extension ProtobufReader.Value {
    /// A varint read as a proto `int32`/`int64`/enum (negative values are 10-byte two's-complement varints).
    func integer(_ field: String) throws(FormatProblem) -> Int64 {
        guard case .varint(let raw) = self else { throw .corrupt("protobuf field \(field) is not a varint") }
        return Int64(bitPattern: raw)
    }

    /// A proto `int32`: the low 32 bits of the varint, as protobuf parsers read it.
    func int32(_ field: String) throws(FormatProblem) -> Int32 {
        Int32(truncatingIfNeeded: try integer(field))
    }

    func fixed32(_ field: String) throws(FormatProblem) -> UInt32 {
        guard case .fixed32(let value) = self else { throw .corrupt("protobuf field \(field) is not a fixed32") }
        return value
    }

    func bytes(_ field: String) throws(FormatProblem) -> Range<Int> {
        guard case .bytes(let range) = self else { throw .corrupt("protobuf field \(field) is not length-delimited") }
        return range
    }
}
