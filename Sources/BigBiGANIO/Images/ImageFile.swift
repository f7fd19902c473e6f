import FileAccess
import Foundation

/// Reads PNG and JPEG files as 8-bit RGB and writes PNG (and JPEG) files, through libpng and libjpeg-turbo.
public enum ImageFile {
    /// The most pixels an image may have to be decoded (1.5 GiB of RGB), checked on the header's size before any pixel
    /// is decoded: a guard against headers claiming absurd sizes. A JPEG counts at the scale it is decoded at.
    public static let maximumPixels = 1 << 29

    /// Decodes a PNG or JPEG, recognised by its first bytes rather than its name. Greyscale and palette images become
    /// RGB, alpha is dropped, 16-bit samples are scaled to 8 bits, CMYK JPEGs are converted to RGB.
    /// Throws `ImageIOError` naming the file and the problem; damaged or truncated files never crash, and a header
    /// claiming more pixels than the reader accepts is refused before anything is decoded.
    ///
    /// With `shortSideAtLeast`, a JPEG is decoded at the smallest of 1, 1/2, 1/4 and 1/8 of its size whose shorter side
    /// is still at least that many pixels: libjpeg scales in the inverse DCT, which is faster and needs less memory than
    /// decoding at full size, and gives pixels that are local averages (at 1/8, each 8×8 block's mean) rather than a
    /// subset of the full decode's. PNGs are always decoded at full size.
    public static func read(_ url: URL, shortSideAtLeast: Int? = nil) throws(ImageIOError) -> RGBImage {
        try read(SystemPath(url.path), shortSideAtLeast: shortSideAtLeast)
    }

    /// `read(_:shortSideAtLeast:)` for a path given as bytes, which need not be UTF-8; errors name it readably.
    package static func read(_ path: SystemPath, shortSideAtLeast: Int? = nil) throws(ImageIOError) -> RGBImage {
        let bytes: Data
        do {
            bytes = try FileBytes.read(path)
        } catch {
            throw ImageIOError(path: path.description, kind: .unreadable, detail: error.detail)
        }
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageIOError) in
                try decode(raw, path: path.description, shortSideAtLeast: shortSideAtLeast)
            }
        }
        return try result.get()
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, path: String, shortSideAtLeast: Int?)
        throws(ImageIOError) -> RGBImage
    {
        guard let format = ImageCodecs.Format(signature: bytes) else {
            let start = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            let detail = bytes.isEmpty ? "the file is empty" : "no PNG or JPEG signature (starts with \(start))"
            throw ImageIOError(path: path, kind: .unrecognizedFormat, detail: detail)
        }
        do throws(ImageCodecs.Failure) {
            return try ImageCodecs.decode(bytes, as: format, shortSideAtLeast: shortSideAtLeast)
        } catch {
            throw ImageIOError(path: path, kind: error.kind, detail: error.message)
        }
    }

    /// Writes an 8-bit RGB PNG. The file appears complete or not at all.
    public static func writePNG(_ image: RGBImage, to url: URL) throws(ImageIOError) {
        try write(to: url) { () throws(ImageCodecs.Failure) in try ImageCodecs.encodePNG(image) }
    }

    /// Writes a baseline JPEG of the given quality (1...100). The file appears complete or not at all.
    public static func writeJPEG(_ image: RGBImage, to url: URL, quality: Int = 95) throws(ImageIOError) {
        try write(to: url) { () throws(ImageCodecs.Failure) in
            try ImageCodecs.encodeJPEG(
                pixels: image.pixels, width: image.width, height: image.height, components: 3, quality: quality)
        }
    }

    private static func write(to url: URL, encode: () throws(ImageCodecs.Failure) -> [UInt8]) throws(ImageIOError) {
        do {
            let bytes = try encode()
            try AtomicFile.write(to: url) { try $0.append(bytes) }
        } catch let failure as ImageCodecs.Failure {
            throw ImageIOError(path: url.path, kind: .writeFailed, detail: failure.message)
        } catch let failure as FileSystemFailure {
            throw ImageIOError(path: url.path, kind: .writeFailed, detail: failure.detail)
        } catch {
            throw ImageIOError(path: url.path, kind: .writeFailed, detail: "\(error)")
        }
    }
}
