@testable import BigBiGANIO

/// Wraps arbitrary bytes as the single data block of a table whose blocks carry valid checksums.
enum IndexFuzzTable {
    static func wrap(_ contents: [UInt8]) -> [UInt8] {
        var file: [UInt8] = []
        let data = append(contents, to: &file)
        // The index block: one entry, key 0xFF… (≥ any key), value = the data block's handle; restart array [0], count 1.
        let indexKey = [UInt8](repeating: 0xFF, count: 4)
        let index =
            varint(0) + varint(UInt64(indexKey.count)) + varint(UInt64(data.count)) + indexKey + data + le32(0)
            + le32(1)
        let metaindex = append(le32(0) + le32(1), to: &file)
        var footer = metaindex + append(index, to: &file)
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        return file + footer + le32(UInt32(truncatingIfNeeded: TableFile.magic)) + le32(UInt32(TableFile.magic >> 32))
    }

    private static func append(_ contents: [UInt8], to file: inout [UInt8]) -> [UInt8] {
        let handle = varint(UInt64(file.count)) + varint(UInt64(contents.count))
        file += contents + [0] + le32(CRC32C.mask(CRC32C.checksum(contents + [0])))
        return handle
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var bytes: [UInt8] = []
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return bytes + [UInt8(v)]
    }

    private static func le32(_ value: UInt32) -> [UInt8] {
        (0 ..< 4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
