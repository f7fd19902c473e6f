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

    /// Decodes to 8-bit RGB straight into the image's own buffer, once the header's size (at the scale it will be decoded
    /// at) is within `ImageFile.maximumPixels`. A JPEG is decoded at the smallest of 1, 1/2, 1/4 and 1/8 of its size whose
    /// shorter side is still at least `shortSideAtLeast` (nil: full size).
    static func decode(_ bytes: UnsafeRawBufferPointer, as format: Format, shortSideAtLeast: Int? = nil)
        throws(Failure) -> RGBImage
    {
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var scale: UInt32 = 1
        var width: UInt32 = 0
        var height: UInt32 = 0
        switch format {
        case .png:
            try callReportingErrors { cic_png_size(data, bytes.count, &width, &height, $0, $1) }
        case .jpeg:
            try callReportingErrors { cic_jpeg_size(data, bytes.count, 1, &width, &height, $0, $1) }
            if let shortSideAtLeast {
                scale = jpegScale(shortSide: Int(min(width, height)), keepingAtLeast: shortSideAtLeast)
                try callReportingErrors { cic_jpeg_size(data, bytes.count, scale, &width, &height, $0, $1) }
            }
        }
        let pixelCount = Int(width) * Int(height)
        guard pixelCount <= ImageFile.maximumPixels else {
            throw Failure(
                kind: .tooLarge,
                message:
                    "\(width)x\(height) is \(pixelCount) pixels, more than the \(ImageFile.maximumPixels) this reader decodes"
            )
        }
        let count = pixelCount * 3
        var failure: Failure?
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Failure) {
                try callReportingErrors { error, size in
                    switch format {
                    case .png: cic_png_decode(data, bytes.count, buffer.baseAddress, width, height, error, size)
                    case .jpeg:
                        cic_jpeg_decode(data, bytes.count, scale, buffer.baseAddress, width, height, error, size)
                    }
                }
                initialized = count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return RGBImage(validatedWidth: Int(width), height: Int(height), pixels: pixels)
    }

    /// The largest JPEG scale denominator (8, 4, 2, else 1) that keeps `shortSide`, rounded up as libjpeg does, at
    /// least `minimum`.
    static func jpegScale(shortSide: Int, keepingAtLeast minimum: Int) -> UInt32 {
        UInt32([8, 4, 2].first { (shortSide + $0 - 1) / $0 >= minimum } ?? 1)
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
