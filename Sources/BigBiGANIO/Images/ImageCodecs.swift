import CImageCodecs

/// Swift face of the C shim over libpng and libjpeg-turbo.
enum ImageCodecs {
    /// A codec's status and message.
    struct Failure: Error {
        let kind: ImageIOError.Kind
        let message: String
    }

    /// Formats told apart by their first bytes.
    enum Format {
        case png, jpeg

        /// The format whose signature starts `bytes`, if any.
        init?(signature bytes: UnsafeRawBufferPointer) {
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
                self = .png
            } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
                self = .jpeg
            } else {
                return nil
            }
        }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, as format: Format) throws(Failure) -> RGBImage {
        var image = cic_rgb_image()
        try callReportingErrors { error, size in
            let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            switch format {
            case .png: return cic_png_decode(data, bytes.count, &image, error, size)
            case .jpeg: return cic_jpeg_decode(data, bytes.count, &image, error, size)
            }
        }
        defer { cic_free(image.pixels) }
        let width = Int(image.width)
        let height = Int(image.height)
        let pixels = [UInt8](UnsafeBufferPointer(start: image.pixels, count: width * height * 3))
        return RGBImage(validatedWidth: width, height: height, pixels: pixels)
    }

    static func encodePNG(_ image: RGBImage) throws(Failure) -> [UInt8] {
        try encode { output, outputSize, error, errorSize in
            image.pixels.withUnsafeBufferPointer {
                cic_png_encode(
                    $0.baseAddress, UInt32(clamping: image.width), UInt32(clamping: image.height), output, outputSize,
                    error, errorSize)
            }
        }
    }

    /// Encodes `components` (1 grey, 3 RGB, 4 Adobe inverted CMYK) interleaved 8-bit channels.
    static func encodeJPEG(pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int) throws(Failure)
        -> [UInt8]
    {
        guard pixels.count == width * height * components else {
            throw Failure(kind: .writeFailed, message: "\(pixels.count) bytes for \(width)x\(height)x\(components)")
        }
        return try encode { output, outputSize, error, errorSize in
            pixels.withUnsafeBufferPointer {
                cic_jpeg_encode(
                    $0.baseAddress, UInt32(clamping: width), UInt32(clamping: height), Int32(clamping: components),
                    Int32(clamping: quality), output, outputSize, error, errorSize)
            }
        }
    }

    private static func encode(
        _ call: (
            UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>,
            Int
        )
            -> cic_status
    ) throws(Failure) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        try callReportingErrors { error, size in call(&output, &outputSize, error, size) }
        defer { cic_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// Runs a shim call with an error buffer and throws its message unless it returns CIC_OK.
    private static func callReportingErrors(
        _ call: (UnsafeMutablePointer<CChar>, Int) -> cic_status
    ) throws(Failure) {
        var error = [CChar](repeating: 0, count: 512)
        let status = error.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count - 1) }
        guard status == CIC_OK else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(kind: kind(of: status), message: message)
        }
    }

    private static func kind(of status: cic_status) -> ImageIOError.Kind {
        switch status {
        case CIC_UNSUPPORTED: return .unsupported
        case CIC_TOO_LARGE: return .tooLarge
        default: return .corrupt
        }
    }
}
