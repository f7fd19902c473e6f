import FileAccess
import Foundation

/// The arrays of a `.safetensors`, `.npz` or `.npy` file, read where they lie: the file is memory-mapped and validated
/// once (header, dtypes, shapes, sizes; an `.npz`'s CRC-32s), and values are converted only when rows are asked for,
/// so a file larger than memory can be read a few rows at a time. Deflated `.npz` members (`numpy.savez_compressed`)
/// cannot be mapped: they are inflated into memory when the file is opened.
///
/// Element types: float32 and float64 (safetensors `F32`, `F64`; NumPy `<f4`, `<f8`) and int32 and int64 (`I32`,
/// `I64`; `<i4`, `<i8`), all little-endian, read as float32 (`copyRows`) or as Double (`values`).
public struct MappedArrayFile: Sendable {
    /// The arrays by name: a safetensors tensor's name, an `.npz` member's name without `.npy`, or, for a `.npy`, the
    /// file's name without `.npy`.
    public let arrays: [String: MappedArray]
    /// A safetensors file's `__metadata__` (empty for the NumPy formats).
    public let metadata: [String: String]

    /// Maps and validates `url`, whose format its name's suffix (`.safetensors`, `.npz` or `.npy`) gives.
    public static func open(_ url: URL) throws(TensorFileError) -> MappedArrayFile {
        let file: MappedFile
        do {
            file = try MappedFile(path: url.path)
        } catch {
            throw TensorFileError(path: url.path, kind: .unreadable, detail: error.detail)
        }
        do throws(FormatProblem) {
            switch url.pathExtension {
            case "safetensors": return try safetensors(in: file, path: url.path)
            case "npz": return MappedArrayFile(arrays: try npz(in: file, path: url.path), metadata: [:])
            case "npy":
                let name = url.deletingPathExtension().lastPathComponent
                let array = try npy(file.bytes, owner: file, name: name, path: url.path)
                return MappedArrayFile(arrays: [name: array], metadata: [:])
            default:
                throw FormatProblem.unsupported(
                    "the name does not end in .safetensors, .npz or .npy, the formats read in place")
            }
        } catch {
            throw TensorFileError(path: url.path, kind: error.kind, detail: error.detail)
        }
    }

    /// The safetensors dtypes read.
    private static let safetensorsTypes: [String: MappedArray.ElementType] = [
        "F32": .float32, "F64": .float64, "I32": .int32, "I64": .int64,
    ]

    /// The NumPy dtypes read.
    private static let numpyTypes: [String: MappedArray.ElementType] = [
        "<f4": .float32, "<f8": .float64, "<i4": .int32, "<i8": .int64,
    ]

    private static func safetensors(in file: MappedFile, path: String) throws(FormatProblem) -> MappedArrayFile {
        let (header, dataStart) = try SafetensorsFile.parseHeader(of: file.bytes)
        let data = UnsafeRawBufferPointer(rebasing: file.bytes[dataStart...])
        try SafetensorsFile.checkLayout(
            of: header.entries, dataSize: data.count, bytesPerElement: safetensorsTypes.mapValues(\.size))
        var arrays: [String: MappedArray] = [:]
        for (name, entry) in header.entries {
            let bytes = UnsafeRawBufferPointer(rebasing: data[entry.dataOffsets[0] ..< entry.dataOffsets[1]])
            arrays[name] = MappedArray(
                name: name, path: path, elementType: safetensorsTypes[entry.dtype]!, shape: entry.shape, bytes: bytes,
                owner: file)
        }
        return MappedArrayFile(arrays: arrays, metadata: header.metadata)
    }

    private static func npz(in file: MappedFile, path: String) throws(FormatProblem) -> [String: MappedArray] {
        var arrays: [String: MappedArray] = [:]
        try ZipArchive.forEachMember(in: file.bytes) { (name, member) throws(FormatProblem) in
            guard name.hasSuffix(".npy") else { throw .unsupported("member '\(name)' is not a .npy array") }
            let key = String(name.dropLast(4))
            guard arrays[key] == nil else { throw .corrupt("member '\(name)' appears twice") }
            // A stored member's bytes lie inside the mapping; a deflated one's were inflated into a buffer that lives
            // only for this call, so they are copied.
            do throws(FormatProblem) {
                if file.bytes.contains(member) {
                    arrays[key] = try npy(member, owner: file, name: key, path: path)
                } else {
                    let copy = OwnedBytes(copying: member)
                    arrays[key] = try npy(copy.bytes, owner: copy, name: key, path: path)
                }
            } catch {
                throw FormatProblem(kind: error.kind, detail: "member '\(name)': \(error.detail)")
            }
        }
        return arrays
    }

    private static func npy(_ bytes: UnsafeRawBufferPointer, owner: AnyObject & Sendable, name: String, path: String)
        throws(FormatProblem) -> MappedArray
    {
        let (header, dataStart) = try NPYFile.layout(of: bytes)
        guard let elementType = numpyTypes[header.descr] else {
            throw .unsupported(
                "dtype '\(header.descr)'; only \(numpyTypes.keys.sorted().joined(separator: ", ")) are read in place")
        }
        guard let byteCount = ElementCount.bytes(of: header.shape, bytesPerElement: elementType.size) else {
            throw .corrupt("shape \(header.shape) is too large")
        }
        guard byteCount == bytes.count - dataStart else {
            throw .corrupt(
                "shape \(header.shape) of '\(header.descr)' needs \(byteCount) data bytes, the file has \(bytes.count - dataStart)"
            )
        }
        return MappedArray(
            name: name, path: path, elementType: elementType, shape: header.shape,
            bytes: UnsafeRawBufferPointer(rebasing: bytes[dataStart...]), owner: owner)
    }
}

/// One array of a `MappedArrayFile`, its values converted to float32 or Double only as they are read. Reading is
/// safe from several threads at once. (The mapping assumes the file does not change while it is read.)
public struct MappedArray: @unchecked Sendable {
    /// How the values are stored: little-endian IEEE floats or two's-complement integers.
    public enum ElementType: String, Sendable {
        case float32, float64, int32, int64

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }
    }

    /// The array's name in its file.
    public let name: String
    /// The file's path, for messages.
    public let path: String
    public let elementType: ElementType
    /// The dimensions, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// The values' bytes inside the mapping (or the inflated copy `owner` keeps).
    private let bytes: UnsafeRawBufferPointer
    /// Keeps `bytes` valid.
    private let owner: AnyObject & Sendable

    fileprivate init(
        name: String, path: String, elementType: ElementType, shape: [Int], bytes: UnsafeRawBufferPointer,
        owner: AnyObject & Sendable
    ) {
        self.name = name
        self.path = path
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
        self.owner = owner
    }

    /// Slices along the first dimension (1 for a scalar).
    public var rowCount: Int { shape.first ?? 1 }
    /// Values per row: the product of the dimensions after the first.
    public var rowLength: Int { shape.dropFirst().reduce(1, *) }
    /// Values in all.
    public var count: Int { bytes.count / elementType.size }

    /// Copies rows `rows` into `destination` (which must hold `rows.count × rowLength` values) as float32: float64
    /// rounded to nearest, integers converted (exactly up to 2²⁴ in magnitude).
    public func copyRows(_ rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>)
        throws(TensorFileError)
    {
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount, destination.count >= rows.count * rowLength else {
            throw TensorFileError(
                path: path, kind: .outOfRange,
                detail:
                    "rows \(rows) of '\(name)' into \(destination.count) values: it has \(rowCount) rows of \(rowLength)"
            )
        }
        let first = rows.lowerBound * rowLength
        let count = rows.count * rowLength
        switch elementType {
        case .float32:
            #if _endian(little)
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(destination)[0 ..< count * 4])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[first * 4 ..< (first + count) * 4]))
            #else
                for i in 0 ..< count { destination[i] = Float(value(at: first + i)) }
            #endif
        case .float64, .int32, .int64:
            for i in 0 ..< count { destination[i] = Float(value(at: first + i)) }
        }
    }

    /// Every value, in row-major order, as Double (exact for all but int64 values beyond 2⁵³ in magnitude).
    public func values() -> [Double] { (0 ..< count).map(value(at:)) }

    private func value(at index: Int) -> Double {
        let offset = index * elementType.size
        switch elementType {
        case .float32:
            return Double(
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        case .float64:
            return Double(
                bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .int32:
            return Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .int64:
            return Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
        }
    }
}

/// A copy of bytes that lives as long as the arrays reading it.
private final class OwnedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(copying source: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        copy.copyMemory(from: source)
        bytes = UnsafeRawBufferPointer(copy)
    }

    deinit { bytes.deallocate() }
}

extension UnsafeRawBufferPointer {
    /// Whether `inner`'s bytes lie within these.
    fileprivate func contains(_ inner: UnsafeRawBufferPointer) -> Bool {
        guard let base = baseAddress, let start = inner.baseAddress else { return false }
        return start >= base && start + inner.count <= base + count
    }
}
