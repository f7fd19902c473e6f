import Foundation
import Tensors

/// NumPy `.npz` archives: a zip of `.npy` members, one per named array, as `numpy.savez` writes and `numpy.load` reads.
public enum NPZFile {
    /// Writes each array as an uncompressed `<name>.npy` member, in name order. The file appears complete or not at all.
    public static func write(_ arrays: [String: HostTensor], to url: URL) throws(TensorFileError) {
        let members = arrays.sorted { $0.key < $1.key }.map { name, tensor in
            let header = NPYFile.header(for: tensor.shape)
            let crc = tensor.data.withLittleEndianBytes { data in
                ZipArchive.crc32(data, continuing: header.withUnsafeBytes { ZipArchive.crc32($0) })
            }
            return ZipArchive.Member(name: name + ".npy", size: header.count + tensor.data.count * 4, crc32: crc) {
                sink in
                try sink.append(header)
                try tensor.data.withLittleEndianBytes { try sink.append($0) }
            }
        }
        try TensorFileError.writing(url) { try ZipArchive.write(members, to: $0) }
    }

    /// Reads every `.npy` member (stored or deflated, as `savez` and `savez_compressed` write) keyed by its name
    /// without the `.npy` suffix.
    public static func read(_ url: URL) throws(TensorFileError) -> [String: HostTensor] {
        try TensorFileError.reading(url) { (bytes) throws(FormatProblem) in try decode(bytes) }
    }

    /// Parses a whole .npz archive held in memory.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> [String: HostTensor] {
        var arrays: [String: HostTensor] = [:]
        try ZipArchive.forEachMember(in: bytes) { (name, member) throws(FormatProblem) in
            guard name.hasSuffix(".npy") else { throw .unsupported("member '\(name)' is not a .npy array") }
            let key = String(name.dropLast(4))
            guard arrays[key] == nil else { throw .corrupt("member '\(name)' appears twice") }
            do throws(FormatProblem) {
                arrays[key] = try NPYFile.decode(member)
            } catch {
                throw FormatProblem(kind: error.kind, detail: "member '\(name)': \(error.detail)")
            }
        }
        return arrays
    }
}
