/// A TensorFlow `DataType` enum value (`tensorflow/core/framework/types.proto`); reference types are value + 100.
public struct TFDataType: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static let float = TFDataType(1)
    public static let double = TFDataType(2)
    public static let int32 = TFDataType(3)
    public static let int64 = TFDataType(9)
    public static let bool = TFDataType(10)
    public static let half = TFDataType(19)

    private static let names: [Int64: (String, Int)] = [
        1: ("float32", 4), 2: ("float64", 8), 3: ("int32", 4), 4: ("uint8", 1), 5: ("int16", 2), 6: ("int8", 1),
        7: ("string", 0), 8: ("complex64", 8), 9: ("int64", 8), 10: ("bool", 1), 14: ("bfloat16", 2),
        17: ("uint16", 2), 18: ("complex128", 16), 19: ("float16", 2), 20: ("resource", 0), 21: ("variant", 0),
        22: ("uint32", 4), 23: ("uint64", 8),
    ]

    /// Whether this is a reference type (`DT_FLOAT_REF` etc., how TF1 `VariableV2` outputs are typed).
    public var isReference: Bool { rawValue > 100 && rawValue < 200 }

    /// The value type with any reference stripped.
    public var base: TFDataType { isReference ? TFDataType(rawValue - 100) : self }

    /// Bytes per element of a numeric type; nil for strings, resources, variants and unknown values.
    public var byteSize: Int? { Self.names[base.rawValue].flatMap { $0.1 > 0 ? $0.1 : nil } }

    /// `float32`, `int64`, `float32_ref`…; unknown values print as `dtype(N)`.
    public var description: String {
        guard let name = Self.names[base.rawValue]?.0 else { return "dtype(\(rawValue))" }
        return isReference ? name + "_ref" : name
    }
}

/// A `TensorShapeProto`: dimensions outermost first, -1 where unknown; or an unknown rank.
public struct TFTensorShape: Sendable, Equatable, CustomStringConvertible {
    public let dims: [Int64]
    public let unknownRank: Bool

    public init(dims: [Int64], unknownRank: Bool = false) {
        self.dims = dims
        self.unknownRank = unknownRank
    }

    /// Decodes a `TensorShapeProto` (2 `dim` {1 size}, 3 `unknown_rank`).
    public init(_ m: ProtoMessage) throws(ProtobufError) {
        var dims: [Int64] = []
        for dim in try m.messages(2) { dims.append(try dim.int64(1) ?? 0) }
        self.init(dims: dims, unknownRank: try m.varint(3).map { $0 != 0 } ?? false)
    }

    /// Number of elements, nil if any dimension is unknown.
    public var elementCount: Int64? {
        guard !unknownRank, dims.allSatisfy({ $0 >= 0 }) else { return nil }
        return dims.reduce(Int64(1)) { $0.multipliedReportingOverflow(by: $1).partialValue }
    }

    /// `[?,128,128,3]`, `[]` for scalars, `<unknown rank>`.
    public var description: String {
        unknownRank ? "<unknown rank>" : "[" + dims.map { $0 < 0 ? "?" : String($0) }.joined(separator: ",") + "]"
    }
}

/// A `TensorProto`: dtype, shape and, for numeric and boolean types, every element.
public struct TFTensorSummary: Sendable, Equatable {
    public let dtype: TFDataType
    public let shape: TFTensorShape
    /// Every element of a float16/float32/float64/int8/int16/int32/int64/uint8/bool tensor (bool as 0/1), decoded from
    /// `tensor_content` or the typed repeated fields; one repeated value fills the whole shape (how TF encodes splats);
    /// nil for other types, unknown shapes and inconsistent protos. Doubles hold every int32 exactly; int64 values
    /// beyond 2⁵³ lose their low bits.
    public let elements: [Double]?

    /// `elements` when there are at most `valueLimit` of them (what inspection prints); nil otherwise.
    public var values: [Double]? { elements.flatMap { $0.count <= Self.valueLimit ? $0 : nil } }

    static let valueLimit = 16

    init(_ m: ProtoMessage) throws(ProtobufError) {
        dtype = TFDataType(try m.int64(1) ?? 0)
        shape = try m.message(2).map(TFTensorShape.init) ?? TFTensorShape(dims: [])
        guard let count = shape.elementCount, count <= Int64(Int32.max) else {
            elements = nil
            return
        }
        var decoded: [Double]
        if let content = try m.bytes(4), !content.isEmpty {
            decoded = Self.decode(content, dtype: dtype.base)
        } else {
            // TensorProto's typed fields: half_val 13, float_val 5, double_val 6, int_val 7 (int8/16/32, uint8),
            // int64_val 10, bool_val 11.
            switch dtype.base.rawValue {
            case 1: decoded = try m.floats(5).map(Double.init)
            case 2: decoded = try Self.doubles(m, 6)
            case 3, 4, 5, 6: decoded = try m.varints(7).map { Double(Int32(truncatingIfNeeded: $0)) }
            case 9: decoded = try m.varints(10).map { Double(Int64(bitPattern: $0)) }
            case 10: decoded = try m.varints(11).map { $0 != 0 ? 1 : 0 }
            case 19: decoded = try m.varints(13).map { Double(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }
            default: decoded = []
            }
            if decoded.count == 1, count > 1 { decoded = Array(repeating: decoded[0], count: Int(count)) }
            // An empty field list means all zeros (TF writes no values for a zero-filled constant).
            if decoded.isEmpty, Self.typedFields.contains(dtype.base.rawValue) {
                decoded = Array(repeating: 0, count: Int(count))
            }
        }
        elements = decoded.count == Int(count) ? decoded : nil
    }

    private static let typedFields: Set<Int64> = [1, 2, 3, 4, 5, 6, 9, 10, 19]

    private static func doubles(_ m: ProtoMessage, _ number: Int) throws(ProtobufError) -> [Double] {
        var result: [Double] = []
        for value in m.all(number) {
            switch value {
            case .fixed64(let bits): result.append(Double(bitPattern: bits))
            case .bytes(let packed): result += decode(packed, dtype: TFDataType(2))
            default: throw ProtobufError(detail: "field \(number) is not doubles")
            }
        }
        return result
    }

    /// Little-endian raw `tensor_content` of the types above; [] for others.
    private static func decode(_ bytes: ArraySlice<UInt8>, dtype: TFDataType) -> [Double] {
        guard let size = dtype.byteSize, typedFields.contains(dtype.rawValue), bytes.count % size == 0 else {
            return []
        }
        return stride(from: bytes.startIndex, to: bytes.endIndex, by: size).map { start in
            var bits: UInt64 = 0
            for k in 0 ..< size { bits |= UInt64(bytes[start + k]) << UInt64(8 * k) }
            switch dtype.rawValue {
            case 1: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case 2: return Double(bitPattern: bits)
            case 3: return Double(Int32(truncatingIfNeeded: bits))
            case 4: return Double(UInt8(truncatingIfNeeded: bits))
            case 5: return Double(Int16(truncatingIfNeeded: bits))
            case 6: return Double(Int8(truncatingIfNeeded: bits))
            case 10: return bits != 0 ? 1 : 0
            case 19: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
            default: return Double(Int64(bitPattern: bits))
            }
        }
    }
}
