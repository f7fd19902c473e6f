/// Little-endian integers and floats in raw bytes, bounds-checked.
extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`, or nil when it does not fit inside the buffer.
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Decodes `count / 4` little-endian float32 values.
    func float32sFromLittleEndian() -> [Float] {
        let elements = count / 4
        return [Float](unsafeUninitializedCapacity: elements) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: self[0 ..< elements * 4]))
            #if _endian(big)
                for i in 0 ..< elements { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            #endif
            initialized = elements
        }
    }

    /// Decodes `count / 8` little-endian float64 values, rounding each to float32.
    func float32sFromLittleEndianFloat64() -> [Float] {
        (0 ..< count / 8).map { i in
            Float(Double(bitPattern: UInt64(littleEndian: loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        }
    }
}

extension Array where Element == Float {
    /// Calls `body` with the values as little-endian float32 bytes.
    func withLittleEndianBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        #if _endian(little)
            return try withUnsafeBytes(body)
        #else
            return try map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        #endif
    }
}

extension Array where Element == UInt8 {
    /// Appends a little-endian integer.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
