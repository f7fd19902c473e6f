/// A malformed protocol-buffer message: what was wrong and where.
public struct ProtobufError: Error, CustomStringConvertible, Sendable, Equatable {
    public let detail: String
    public var description: String { detail }
}

/// One field of a protocol-buffer message in wire format: its number and undecoded value.
public struct ProtoField: Sendable {
    /// The value as the wire type carries it (groups, wire types 3 and 4, are rejected: TensorFlow does not use them).
    public enum Value: Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    public let number: Int
    public let value: Value
}

/// The top-level fields of a protocol-buffer message, decoded from wire format without a schema
/// (https://protobuf.dev/programming-guides/encoding/). Nested messages are decoded on demand with `message(_:)`.
/// Every length and varint is bounds-checked, so damaged bytes give a `ProtobufError`, never a crash.
public struct ProtoMessage: Sendable {
    public let fields: [ProtoField]

    public init(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) {
        var fields: [ProtoField] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let start = i
            let key = try Self.varint(bytes, &i)
            let number = key >> 3
            guard number >= 1, number <= 0x1FFF_FFFF else {
                throw ProtobufError(detail: "invalid field number \(number) at byte \(start - bytes.startIndex)")
            }
            let value: ProtoField.Value
            switch key & 7 {
            case 0: value = .varint(try Self.varint(bytes, &i))
            case 1: value = .fixed64(try Self.fixed(bytes, &i, UInt64.self))
            case 2:
                let length = try Self.varint(bytes, &i)
                guard length <= UInt64(bytes.endIndex - i) else {
                    throw ProtobufError(
                        detail:
                            "field \(number) at byte \(start - bytes.startIndex) claims \(length) bytes, \(bytes.endIndex - i) remain"
                    )
                }
                value = .bytes(bytes[i ..< i + Int(length)])
                i += Int(length)
            case 5: value = .fixed32(try Self.fixed(bytes, &i, UInt32.self))
            case let wire:
                throw ProtobufError(
                    detail: "unsupported wire type \(wire) (field \(number)) at byte \(start - bytes.startIndex)")
            }
            fields.append(ProtoField(number: Int(number), value: value))
        }
        self.fields = fields
    }

    public init(_ bytes: [UInt8]) throws(ProtobufError) { try self.init(bytes[...]) }

    /// Decodes the base-128 varint at `i` and advances `i` past it.
    public static func varint(_ bytes: ArraySlice<UInt8>, _ i: inout Int) throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard i < bytes.endIndex else { throw ProtobufError(detail: "truncated varint") }
            let byte = bytes[i]
            i += 1
            guard shift < 63 || byte <= 1 else { throw ProtobufError(detail: "varint longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return result }
        }
        throw ProtobufError(detail: "varint longer than 10 bytes")
    }

    private static func fixed<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, _ i: inout Int, _: T.Type)
        throws(ProtobufError) -> T
    {
        let size = MemoryLayout<T>.size
        guard bytes.endIndex - i >= size else { throw ProtobufError(detail: "truncated \(size * 8)-bit fixed value") }
        var value: T = 0
        for k in 0 ..< size { value |= T(bytes[i + k]) << T(8 * k) }
        i += size
        return value
    }

    // MARK: Typed access (the last occurrence wins for singular fields, as protobuf merges them)

    /// Every field with this number.
    public func all(_ number: Int) -> [ProtoField.Value] { fields.filter { $0.number == number }.map(\.value) }

    /// The varint field `number` (nil if absent).
    public func varint(_ number: Int) throws(ProtobufError) -> UInt64? {
        guard let value = all(number).last else { return nil }
        guard case .varint(let v) = value else { throw mismatch(number, "a varint") }
        return v
    }

    /// An int32/int64/enum field, two's complement as protobuf encodes negatives.
    public func int64(_ number: Int) throws(ProtobufError) -> Int64? {
        try varint(number).map { Int64(bitPattern: $0) }
    }

    /// A `float` field (fixed32).
    public func float(_ number: Int) throws(ProtobufError) -> Float? {
        guard let value = all(number).last else { return nil }
        guard case .fixed32(let bits) = value else { throw mismatch(number, "a 32-bit float") }
        return Float(bitPattern: bits)
    }

    /// The raw bytes of a length-delimited field.
    public func bytes(_ number: Int) throws(ProtobufError) -> ArraySlice<UInt8>? {
        guard let value = all(number).last else { return nil }
        return try Self.bytes(value, number)
    }

    /// A string field; invalid UTF-8 is replaced rather than rejected (names are only displayed).
    public func string(_ number: Int) throws(ProtobufError) -> String? {
        try bytes(number).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every occurrence of a repeated string field.
    public func strings(_ number: Int) throws(ProtobufError) -> [String] {
        var result: [String] = []
        for value in all(number) { result.append(String(decoding: try Self.bytes(value, number), as: UTF8.self)) }
        return result
    }

    /// A nested message field (nil if absent).
    public func message(_ number: Int) throws(ProtobufError) -> ProtoMessage? {
        guard let bytes = try bytes(number) else { return nil }
        return try nested(bytes, number)
    }

    /// Every occurrence of a repeated message field.
    public func messages(_ number: Int) throws(ProtobufError) -> [ProtoMessage] {
        var result: [ProtoMessage] = []
        for value in all(number) { result.append(try nested(Self.bytes(value, number), number)) }
        return result
    }

    /// A repeated varint field, packed or not.
    public func varints(_ number: Int) throws(ProtobufError) -> [UInt64] {
        var result: [UInt64] = []
        for value in all(number) {
            switch value {
            case .varint(let v): result.append(v)
            case .bytes(let packed):
                var i = packed.startIndex
                while i < packed.endIndex { result.append(try Self.varint(packed, &i)) }
            default: throw mismatch(number, "varints")
            }
        }
        return result
    }

    /// A repeated float field, packed or not.
    public func floats(_ number: Int) throws(ProtobufError) -> [Float] {
        var result: [Float] = []
        for value in all(number) {
            switch value {
            case .fixed32(let bits): result.append(Float(bitPattern: bits))
            case .bytes(let packed):
                guard packed.count % 4 == 0 else {
                    throw ProtobufError(detail: "field \(number): packed floats of \(packed.count) bytes")
                }
                var i = packed.startIndex
                while i < packed.endIndex { result.append(Float(bitPattern: try Self.fixed(packed, &i, UInt32.self))) }
            default: throw mismatch(number, "floats")
            }
        }
        return result
    }

    /// A `map<string, Message>` field: its entries (key 1, value 2) in file order.
    public func stringMap(_ number: Int) throws(ProtobufError) -> [(key: String, value: ProtoMessage)] {
        var result: [(key: String, value: ProtoMessage)] = []
        for entry in try messages(number) {
            result.append((try entry.string(1) ?? "", try entry.message(2) ?? ProtoMessage.empty))
        }
        return result
    }

    /// A message with no fields (every field at its default).
    public static let empty = ProtoMessage(fields: [])

    private init(fields: [ProtoField]) { self.fields = fields }

    private static func bytes(_ value: ProtoField.Value, _ number: Int) throws(ProtobufError) -> ArraySlice<UInt8> {
        guard case .bytes(let b) = value else { throw ProtobufError(detail: "field \(number) is not length-delimited") }
        return b
    }

    private func nested(_ bytes: ArraySlice<UInt8>, _ number: Int) throws(ProtobufError) -> ProtoMessage {
        do {
            return try ProtoMessage(bytes)
        } catch {
            throw ProtobufError(detail: "in field \(number): \(error.detail)")
        }
    }

    private func mismatch(_ number: Int, _ expected: String) -> ProtobufError {
        ProtobufError(detail: "field \(number) is not \(expected)")
    }
}
