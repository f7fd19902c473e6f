/// Reads little-endian integers and varints from a range of bytes, throwing instead of reading past the range.
struct ByteCursor {
    let bytes: [UInt8]
    /// The next byte to read (an index into `bytes`).
    private(set) var position: Int
    /// One past the last byte this cursor may read.
    let end: Int

    /// A cursor over `bytes[range]`; the range must lie inside `bytes`.
    init(_ bytes: [UInt8], _ range: Range<Int>) {
        self.bytes = bytes
        position = max(0, min(range.lowerBound, bytes.count))
        end = max(position, min(range.upperBound, bytes.count))
    }

    init(_ bytes: [UInt8]) { self.init(bytes, 0 ..< bytes.count) }

    var isAtEnd: Bool { position >= end }
    var remaining: Int { end - position }

    /// A LEB128 varint of at most 10 bytes whose value fits 64 bits.
    mutating func varint64() throws(FormatProblem) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard position < end else { throw .corrupt("varint at byte \(start) runs past the end of its data") }
            let byte = bytes[position]
            position += 1
            if shift == 63, byte > 1 { throw .corrupt("varint at byte \(start) overflows 64 bits") }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw .corrupt("varint at byte \(start) is longer than 10 bytes")
    }

    /// A varint whose value fits 32 bits.
    mutating func varint32() throws(FormatProblem) -> UInt32 {
        let start = position
        let value = try varint64()
        guard let narrow = UInt32(exactly: value) else {
            throw .corrupt("varint at byte \(start) (\(value)) overflows 32 bits")
        }
        return narrow
    }

    /// A varint that must be a valid non-negative `Int` (a size or offset).
    mutating func count() throws(FormatProblem) -> Int {
        let start = position
        let value = try varint64()
        guard let int = Int(exactly: value) else { throw .corrupt("value \(value) at byte \(start) is too large") }
        return int
    }

    mutating func fixed32() throws(FormatProblem) -> UInt32 {
        UInt32(truncatingIfNeeded: try fixed(4))
    }

    mutating func fixed64() throws(FormatProblem) -> UInt64 {
        try fixed(8)
    }

    private mutating func fixed(_ size: Int) throws(FormatProblem) -> UInt64 {
        guard remaining >= size else {
            throw .corrupt("\(size)-byte integer at byte \(position) runs past the end of its data")
        }
        var value: UInt64 = 0
        for i in 0 ..< size { value |= UInt64(bytes[position + i]) << UInt64(8 * i) }
        position += size
        return value
    }

    /// The range of the next `count` bytes, which are skipped.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(FormatProblem) -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw .corrupt(
                "\(what()) of \(count) bytes at byte \(position) runs past the end of its data (\(remaining) left)")
        }
        defer { position += count }
        return position ..< position + count
    }
}

extension FormatProblem {
    /// The same problem with `context` in front of its detail.
    func within(_ context: String) -> FormatProblem {
        FormatProblem(kind: kind, detail: "\(context): \(detail)")
    }
}
