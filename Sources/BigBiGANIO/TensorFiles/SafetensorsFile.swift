import Foundation
import Tensors

/// A `.safetensors` file of float32 tensors: an 8-byte little-endian header length, a JSON header
/// `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {string: string}}` padded with
/// spaces to a multiple of 8 bytes, then the raw little-endian data, every byte of it belonging to exactly one tensor.
public struct SafetensorsFile: Sendable, Equatable {
    public var tensors: [String: HostTensor]
    /// Free-form string pairs stored under `__metadata__`.
    public var metadata: [String: String]

    public init(tensors: [String: HostTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Largest header accepted, as in the reference implementation: guards against a corrupt length field.
    static let maxHeaderLength = 100_000_000
    static let metadataKey = "__metadata__"

    /// Reads the file once and validates it completely: header length against the file size, the JSON's structure,
    /// dtype (F32 only), shapes, and offsets (in range, sized `numel * 4`, non-overlapping, covering the data exactly).
    public static func read(_ url: URL) throws(TensorFileError) -> SafetensorsFile {
        try TensorFileError.reading(url) { (bytes) throws(FormatProblem) in try decode(bytes) }
    }

    /// Writes the tensors in name order (header first, data packed with no gaps). The file appears complete or not at all.
    public func write(to url: URL) throws(TensorFileError) {
        try TensorFileError.writing(url) { sink in
            let (header, ordered) = try encodedHeader()
            try sink.append(header)
            for (_, tensor) in ordered { try tensor.data.withLittleEndianBytes { try sink.append($0) } }
        }
    }

    /// Writes `tensors` and `metadata` to `url`; see `write(to:)`.
    public static func write(_ tensors: [String: HostTensor], metadata: [String: String] = [:], to url: URL)
        throws(TensorFileError)
    {
        try SafetensorsFile(tensors: tensors, metadata: metadata).write(to: url)
    }

    /// The length field and padded JSON header, and the tensors in the order their data follows.
    func encodedHeader() throws(FormatProblem) -> ([UInt8], [(String, HostTensor)]) {
        let ordered = tensors.sorted { $0.key < $1.key }
        return (try Self.encodedHeader(for: ordered.map { ($0.key, $0.value.shape) }, metadata: metadata), ordered)
    }

    /// The length field and padded JSON header of float32 tensors of `entries`' names and shapes whose data follows
    /// packed in that order.
    static func encodedHeader(for entries: [(name: String, shape: Shape)], metadata: [String: String])
        throws(FormatProblem) -> [UInt8]
    {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map {
                "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))"
            }
            fields.append("\(JSONText.quoted(Self.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var names: Set<String> = []
        var offset = 0
        for (name, shape) in entries {
            guard name != Self.metadataKey else {
                throw .invalid("'\(Self.metadataKey)' is reserved and cannot name a tensor")
            }
            guard names.insert(name).inserted else { throw .invalid("two tensors are named '\(name)'") }
            let end = offset + shape.count * 4
            let dims = shape.dims.map(String.init).joined(separator: ",")
            fields.append(
                "\(JSONText.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(dims)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Array("{\(fields.joined(separator: ","))}".utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(json.count))
        return bytes + json
    }

    /// Parses and validates a whole file held in memory.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> SafetensorsFile {
        let (header, dataStart) = try parseHeader(of: bytes)
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
        try checkLayout(of: header.entries, dataSize: data.count, bytesPerElement: ["F32": 4])
        var tensors: [String: HostTensor] = [:]
        for (name, entry) in header.entries {
            let slice = UnsafeRawBufferPointer(rebasing: data[entry.dataOffsets[0] ..< entry.dataOffsets[1]])
            do {
                tensors[name] = try HostTensor(shape: Shape(entry.shape), data: slice.float32sFromLittleEndian())
            } catch {
                throw .corrupt("tensor '\(name)': \(error)")
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// The JSON header of a file held in memory, its length checked against the file's, and the offset where the data
    /// starts.
    static func parseHeader(of bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> (
        header: SafetensorsHeader, dataStart: Int
    ) {
        guard let headerLength = bytes.littleEndian(UInt64.self, at: 0) else {
            throw .corrupt("\(bytes.count) bytes is too short for the 8-byte header length")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .corrupt("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after the length field")
        }
        guard headerLength <= UInt64(maxHeaderLength) else {
            throw .corrupt("header length \(headerLength) exceeds the 100 MB limit")
        }
        let dataStart = 8 + Int(headerLength)
        let json = UnsafeRawBufferPointer(rebasing: bytes[8 ..< dataStart])
        guard json.first == UInt8(ascii: "{") else { throw .corrupt("the header does not start with '{'") }
        do {
            return (try JSONDecoder().decode(SafetensorsHeader.self, from: Data(json)), dataStart)
        } catch let problem as FormatProblem {
            throw problem
        } catch {
            throw .corrupt("invalid JSON header: \(JSONText.summary(of: error))")
        }
    }

    /// Each entry: a dtype among `bytesPerElement`'s keys, a valid shape, offsets in range and sized to the shape;
    /// together: no overlaps and no holes.
    static func checkLayout(
        of entries: [String: SafetensorsHeader.Entry], dataSize: Int, bytesPerElement: [String: Int]
    ) throws(FormatProblem) {
        for (name, entry) in entries {
            guard let elementSize = bytesPerElement[entry.dtype] else {
                let supported = bytesPerElement.keys.sorted()
                throw .unsupported(
                    "tensor '\(name)' has dtype \(entry.dtype); only \(supported.joined(separator: ", ")) "
                        + (supported.count == 1 ? "is supported" : "are supported"))
            }
            guard entry.dataOffsets.count == 2 else {
                throw .corrupt("tensor '\(name)' has \(entry.dataOffsets.count) data offsets, not 2")
            }
            let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw .corrupt(
                    "tensor '\(name)' has data offsets [\(begin), \(end)] outside the \(dataSize) data bytes")
            }
            guard let size = ElementCount.bytes(of: entry.shape, bytesPerElement: elementSize) else {
                throw .corrupt("tensor '\(name)' has an invalid shape \(entry.shape)")
            }
            guard size == end - begin else {
                throw .corrupt(
                    "tensor '\(name)' of shape \(entry.shape) and dtype \(entry.dtype) needs \(size) bytes, its offsets span \(end - begin)"
                )
            }
        }
        var covered = 0
        for (name, entry) in entries.sorted(by: {
            ($0.value.dataOffsets[0], $0.key) < ($1.value.dataOffsets[0], $1.key)
        }) {
            let begin = entry.dataOffsets[0]
            guard begin >= covered else {
                throw .corrupt("tensor '\(name)' overlaps the data of another tensor at byte \(begin)")
            }
            guard begin == covered else { throw .corrupt("data bytes \(covered)..<\(begin) belong to no tensor") }
            covered = entry.dataOffsets[1]
        }
        guard covered == dataSize else { throw .corrupt("data bytes \(covered)..<\(dataSize) belong to no tensor") }
    }
}

/// The decoded JSON header.
struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == SafetensorsFile.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }
}
