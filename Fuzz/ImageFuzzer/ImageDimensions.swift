/// The image size a PNG or JPEG header claims, read the way libpng and libjpeg read it, so the fuzzer can skip inputs
/// that would make the decoder allocate for a large image: it is there to test parsing, not the allocator.
enum ImageDimensions {
    /// At most this many pixels are decoded (768 KiB of RGB).
    static let maxPixels = 1 << 18

    /// Whether `bytes` may be decoded: false when a header claims more than `maxPixels`.
    static func allowed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let (width, height) = claimed(bytes) else { return true }
        return width <= maxPixels && height <= maxPixels && width * height <= maxPixels
    }

    /// The claimed width and height, nil where the decoder fails before reading a size.
    static func claimed(_ bytes: UnsafeRawBufferPointer) -> (Int, Int)? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return png(bytes) }
        if bytes.starts(with: [0xFF, 0xD8]) { return jpeg(bytes) }
        return nil
    }

    /// libpng insists on IHDR as the first chunk, right after the 8-byte signature.
    private static func png(_ bytes: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard bytes.count >= 24 else { return nil }
        return (bigEndian32(bytes, 16), bigEndian32(bytes, 20))
    }

    /// Walks the markers as libjpeg's `read_markers` does (garbage before a marker skipped, fill bytes 0xFF skipped,
    /// lengths of parameter segments followed) to the first start-of-frame, which holds the only size it uses.
    private static func jpeg(_ bytes: UnsafeRawBufferPointer) -> (Int, Int)? {
        var i = 2
        while true {
            // next_marker: discard bytes up to a 0xFF, then any run of 0xFF; a 0x00 after them is not a marker.
            while i < bytes.count, bytes[i] != 0xFF { i += 1 }
            while i < bytes.count, bytes[i] == 0xFF { i += 1 }
            guard i < bytes.count else { return nil }
            let marker = bytes[i]
            i += 1
            switch marker {
            case 0x00, 0x01, 0xD0 ... 0xD8:
                continue  // stuffed zero, TEM, RSTn, SOI: no parameters
            case 0xD9, 0xDA:
                return nil  // EOI, SOS: no frame header before them, which libjpeg rejects
            case 0xC0 ... 0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                // SOFn: length 2, precision 1, height 2, width 2.
                guard i + 7 <= bytes.count else { return nil }
                return (bigEndian16(bytes, i + 5), bigEndian16(bytes, i + 3))
            default:
                guard i + 2 <= bytes.count else { return nil }
                i += max(bigEndian16(bytes, i), 2)
            }
        }
    }

    private static func bigEndian16(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int {
        Int(bytes[i]) << 8 | Int(bytes[i + 1])
    }

    private static func bigEndian32(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int {
        bigEndian16(bytes, i) << 16 | bigEndian16(bytes, i + 2)
    }
}
