import CImageCodecs
import FileAccess

/// The subset of the zip format that .npz files use: no zip64, no encryption; members stored (written and read) or
/// deflated (read only). CRC-32 comes from zlib.
enum ZipArchive {
    /// A member to write: its name, its size and CRC-32 computed up front, and a closure that writes exactly those bytes.
    struct Member {
        let name: String
        let size: Int
        let crc32: UInt32
        let write: (AtomicFile.Sink) throws -> Void
    }

    /// zlib's CRC-32 of `bytes`, continuing from `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        cic_crc32(crc, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    private static let localSignature: UInt32 = 0x0403_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let endSignature: UInt32 = 0x0605_4B50
    /// Sizes and offsets at or above this need zip64.
    private static let zip32Limit = 0xFFFF_FFFF
    /// Version 2.0 of the format; "made by" also says Unix so the permission bits below mean something.
    private static let versionNeeded: UInt16 = 20
    private static let versionMadeBy: UInt16 = 3 << 8 | 20
    /// Bit 11: names are UTF-8.
    private static let utf8Flag: UInt16 = 1 << 11
    /// 1980-01-01 00:00, the earliest DOS date: archives are reproducible.
    private static let dosDate: UInt16 = 1 << 5 | 1
    private static let regularFileMode: UInt32 = 0o100644 << 16
    /// Deflate's largest compression ratio: 1032 output bytes per input byte.
    private static let maxDeflateRatio: UInt64 = 1032

    /// Writes local headers and data, then the central directory and its end record.
    static func write(_ members: [Member], to sink: AtomicFile.Sink) throws {
        guard members.count < 0xFFFF else {
            throw FormatProblem.unsupported("\(members.count) members need zip64, which is not supported")
        }
        var central: [UInt8] = []
        var offset = 0
        for member in members {
            let name = Array(member.name.utf8)
            guard name.count <= 0xFFFF else {
                throw FormatProblem.invalid("member name of \(name.count) bytes is too long")
            }
            guard member.size < zip32Limit, offset < zip32Limit else {
                throw FormatProblem.unsupported("archives over 4 GiB need zip64, which is not supported")
            }
            var local: [UInt8] = []
            local.appendLittleEndian(localSignature)
            appendCommonFields(of: member, nameLength: name.count, to: &local)
            local.appendLittleEndian(UInt16(0))  // extra field length
            try sink.append(local + name)
            try member.write(sink)

            central.appendLittleEndian(centralSignature)
            central.appendLittleEndian(versionMadeBy)
            appendCommonFields(of: member, nameLength: name.count, to: &central)
            central += [0, 0, 0, 0, 0, 0, 0, 0]  // extra and comment lengths, disk number, internal attributes
            central.appendLittleEndian(regularFileMode)
            central.appendLittleEndian(UInt32(offset))
            central += name
            offset += local.count + name.count + member.size
        }
        guard offset < zip32Limit else {
            throw FormatProblem.unsupported("archives over 4 GiB need zip64, which is not supported")
        }
        var end: [UInt8] = []
        end.appendLittleEndian(endSignature)
        end += [0, 0, 0, 0]  // this disk, the directory's disk
        end.appendLittleEndian(UInt16(members.count))
        end.appendLittleEndian(UInt16(members.count))
        end.appendLittleEndian(UInt32(central.count))
        end.appendLittleEndian(UInt32(offset))
        end.appendLittleEndian(UInt16(0))  // comment length
        try sink.append(central + end)
    }

    /// Version needed, flags, method (stored), time, date, CRC, sizes and name length: shared by both header kinds.
    private static func appendCommonFields(of member: Member, nameLength: Int, to bytes: inout [UInt8]) {
        bytes.appendLittleEndian(versionNeeded)
        bytes.appendLittleEndian(utf8Flag)
        bytes.appendLittleEndian(UInt16(0))  // stored
        bytes.appendLittleEndian(UInt16(0))  // time
        bytes.appendLittleEndian(dosDate)
        bytes.appendLittleEndian(member.crc32)
        bytes.appendLittleEndian(UInt32(member.size))  // compressed
        bytes.appendLittleEndian(UInt32(member.size))  // uncompressed
        bytes.appendLittleEndian(UInt16(nameLength))
    }

    /// Calls `body` with each member's name and uncompressed bytes, in directory order, after checking its CRC-32.
    static func forEachMember(
        in bytes: UnsafeRawBufferPointer, _ body: (String, UnsafeRawBufferPointer) throws(FormatProblem) -> Void
    ) throws(FormatProblem) {
        let end = try endRecordOffset(in: bytes)
        guard let count = bytes.littleEndian(UInt16.self, at: end + 10),
            let directorySize = bytes.littleEndian(UInt32.self, at: end + 12),
            let directoryOffset = bytes.littleEndian(UInt32.self, at: end + 16)
        else { throw .corrupt("truncated end of central directory record") }
        guard count != 0xFFFF, directorySize != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF else {
            throw .unsupported("zip64 archives are not supported")
        }
        guard Int(directoryOffset) + Int(directorySize) <= end else {
            throw .corrupt("the central directory overlaps its end record")
        }
        var entry = Int(directoryOffset)
        for _ in 0 ..< count {
            guard bytes.littleEndian(UInt32.self, at: entry) == centralSignature,
                let flags = bytes.littleEndian(UInt16.self, at: entry + 8),
                let method = bytes.littleEndian(UInt16.self, at: entry + 10),
                let crc = bytes.littleEndian(UInt32.self, at: entry + 16),
                let compressedSize = bytes.littleEndian(UInt32.self, at: entry + 20),
                let size = bytes.littleEndian(UInt32.self, at: entry + 24),
                let nameLength = bytes.littleEndian(UInt16.self, at: entry + 28),
                let extraLength = bytes.littleEndian(UInt16.self, at: entry + 30),
                let commentLength = bytes.littleEndian(UInt16.self, at: entry + 32),
                let localOffset = bytes.littleEndian(UInt32.self, at: entry + 42),
                entry + 46 + Int(nameLength) <= end
            else { throw .corrupt("bad central directory entry at byte \(entry)") }
            let name = String(decoding: bytes[entry + 46 ..< entry + 46 + Int(nameLength)], as: UTF8.self)
            entry += 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
            guard flags & 1 == 0 else { throw .unsupported("member '\(name)' is encrypted") }
            guard compressedSize != 0xFFFF_FFFF, size != 0xFFFF_FFFF, localOffset != 0xFFFF_FFFF else {
                throw .unsupported("member '\(name)' uses zip64, which is not supported")
            }
            let local = Int(localOffset)
            guard bytes.littleEndian(UInt32.self, at: local) == localSignature,
                let localNameLength = bytes.littleEndian(UInt16.self, at: local + 26),
                let localExtraLength = bytes.littleEndian(UInt16.self, at: local + 28)
            else { throw .corrupt("bad local header for member '\(name)'") }
            let dataStart = local + 30 + Int(localNameLength) + Int(localExtraLength)
            guard dataStart + Int(compressedSize) <= Int(directoryOffset) else {
                throw .corrupt(
                    "member '\(name)' runs past the start of the central directory (the archive is truncated?)")
            }
            let stored = UnsafeRawBufferPointer(rebasing: bytes[dataStart ..< dataStart + Int(compressedSize)])
            switch method {
            case 0:
                guard compressedSize == size else { throw .corrupt("stored member '\(name)' has two different sizes") }
                try checkCRC(crc, of: stored, name: name)
                try body(name, stored)
            case 8:
                // Deflate turns a bit into at most 129 bytes (a 258-byte match in two 1-bit codes): a larger stated
                // size is a lie, and allocating it would let a small file claim gigabytes.
                guard UInt64(size) <= UInt64(compressedSize) * maxDeflateRatio else {
                    throw .corrupt(
                        "deflated member '\(name)' of \(compressedSize) bytes cannot inflate to the \(size) it states")
                }
                let inflated = try inflate(stored, size: Int(size), name: name)
                let result = inflated.withUnsafeBytes { raw in
                    Result { () throws(FormatProblem) in
                        try checkCRC(crc, of: raw, name: name)
                        try body(name, raw)
                    }
                }
                try result.get()
            default:
                throw .unsupported(
                    "member '\(name)' uses compression method \(method) (only stored and deflate are supported)")
            }
        }
    }

    /// The end record is the last 22 bytes unless the archive has a comment: look backwards for its signature.
    private static func endRecordOffset(in bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> Int {
        guard bytes.count >= 22 else { throw .corrupt("\(bytes.count) bytes is too short for a zip archive") }
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        for offset in stride(from: bytes.count - 22, through: lowest, by: -1)
        where bytes.littleEndian(UInt32.self, at: offset) == endSignature {
            if let commentLength = bytes.littleEndian(UInt16.self, at: offset + 20),
                offset + 22 + Int(commentLength) == bytes.count
            {
                return offset
            }
        }
        throw .corrupt("no zip end of central directory record (not a zip archive, or truncated)")
    }

    private static func checkCRC(_ expected: UInt32, of data: UnsafeRawBufferPointer, name: String)
        throws(FormatProblem)
    {
        let actual = crc32(data)
        guard actual == expected else {
            throw .corrupt(
                "member '\(name)' has CRC-32 \(String(actual, radix: 16)), the directory says \(String(expected, radix: 16))"
            )
        }
    }

    private static func inflate(_ compressed: UnsafeRawBufferPointer, size: Int, name: String) throws(FormatProblem)
        -> [UInt8]
    {
        var output = [UInt8](repeating: 0, count: size)
        var error = [CChar](repeating: 0, count: 256)
        let status = output.withUnsafeMutableBufferPointer { out in
            error.withUnsafeMutableBufferPointer { message in
                cic_inflate_raw(
                    compressed.baseAddress?.assumingMemoryBound(to: UInt8.self), compressed.count, out.baseAddress,
                    size,
                    message.baseAddress, message.count - 1)
            }
        }
        guard status == CIC_OK else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .corrupt("member '\(name)': \(message)")
        }
        return output
    }
}
