import Foundation
import Tensors

/// NumPy `.npy` files of float32 (and, for reading, float64) arrays in little-endian C order, format versions 1.0 to 3.0.
public enum NPYFile {
    /// Reads an array as float32; float64 data is rounded to float32.
    public static func read(_ url: URL) throws(TensorFileError) -> HostTensor {
        try TensorFileError.reading(url) { (bytes) throws(FormatProblem) in try decode(bytes) }
    }

    /// Writes a float32 array (version 1.0, or 2.0 when the header needs more than 65535 bytes). The file appears
    /// complete or not at all.
    public static func write(_ tensor: HostTensor, to url: URL) throws(TensorFileError) {
        try TensorFileError.writing(url) { sink in
            try sink.append(header(for: tensor.shape))
            try tensor.data.withLittleEndianBytes { try sink.append($0) }
        }
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The magic, version, header length and padded header of a float32 array of `shape`; its data follows at a
    /// multiple of 64 bytes.
    static func header(for shape: Shape) -> [UInt8] {
        let literal = Array(NPYHeader(descr: "<f4", fortranOrder: false, shape: shape.dims).literal.utf8)
        let longHeader = literal.count + 1 + 10 > 65535
        let preamble = magic.count + 2 + (longHeader ? 4 : 2)
        let unpadded = preamble + literal.count + 1
        let padding = (64 - unpadded % 64) % 64
        var bytes = magic + [longHeader ? 2 : 1, 0]
        let headerLength = literal.count + padding + 1
        if longHeader {
            bytes.appendLittleEndian(UInt32(headerLength))
        } else {
            bytes.appendLittleEndian(UInt16(headerLength))
        }
        bytes += literal
        bytes += [UInt8](repeating: 0x20, count: padding)
        bytes.append(0x0A)
        return bytes
    }

    /// The header of a .npy file held in memory (a C-order array: Fortran order is refused) and the offset where its
    /// data starts; the dtype and the data's size are left to the caller.
    static func layout(of bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> (header: NPYHeader, dataStart: Int) {
        guard bytes.starts(with: magic) else { throw .corrupt("no .npy magic (\\x93NUMPY) at the start") }
        guard let major = bytes.littleEndian(UInt8.self, at: 6) else {
            throw .corrupt("the file ends inside the preamble")
        }
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            guard let length = bytes.littleEndian(UInt16.self, at: 8) else {
                throw .corrupt("the file ends inside the preamble")
            }
            (headerStart, headerLength) = (10, Int(length))
        case 2, 3:
            guard let length = bytes.littleEndian(UInt32.self, at: 8) else {
                throw .corrupt("the file ends inside the preamble")
            }
            (headerStart, headerLength) = (12, Int(length))
        default:
            throw .unsupported("format version \(major).x (1.0, 2.0 and 3.0 are supported)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw .corrupt("header of \(headerLength) bytes runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = headerStart + headerLength
        let header = try NPYHeader(parsing: Array(bytes[headerStart ..< dataStart]))
        guard !header.fortranOrder else {
            throw .unsupported("Fortran-order arrays are not supported; save a C-order array")
        }
        return (header, dataStart)
    }

    /// Parses a whole .npy file held in memory.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> HostTensor {
        let (header, dataStart) = try layout(of: bytes)
        let itemSize: Int
        switch header.descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        case ">f4", ">f8":
            throw .unsupported("big-endian dtype '\(header.descr)'; only little-endian float32/float64 are supported")
        default: throw .unsupported("dtype '\(header.descr)'; only float32 ('<f4') and float64 ('<f8') are supported")
        }
        guard let byteCount = ElementCount.bytes(of: header.shape, bytesPerElement: itemSize) else {
            throw .corrupt("shape \(header.shape) is too large")
        }
        guard byteCount == bytes.count - dataStart else {
            throw .corrupt(
                "shape \(header.shape) of '\(header.descr)' needs \(byteCount) data bytes, the file has \(bytes.count - dataStart)"
            )
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
        let values = itemSize == 4 ? data.float32sFromLittleEndian() : data.float32sFromLittleEndianFloat64()
        do {
            return try HostTensor(shape: Shape(header.shape), data: values)
        } catch {
            throw .corrupt("\(error)")
        }
    }
}
