import Tensors

/// An 8-bit RGB image: `width * height * 3` bytes, rows top to bottom, pixels interleaved R, G, B.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    /// Throws `TensorError.invalidData` unless both sides are positive and `pixels` holds exactly `width * height * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw TensorError.invalidData("image size \(width)x\(height) is not positive")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count <= Int.max / 3, pixels.count == count * 3 else {
            throw TensorError.invalidData("\(pixels.count) bytes for a \(width)x\(height) RGB image")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// For sizes and buffers already known to match.
    init(validatedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
