/// Why an image file could not be read or written; names the file and the problem.
public struct ImageIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The class of problem.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable = "cannot read"
        /// The bytes are neither PNG nor JPEG.
        case unrecognizedFormat = "not a PNG or JPEG file"
        /// The file is damaged or truncated.
        case corrupt = "corrupt image"
        /// A valid file using a feature this reader does not support (e.g. 12-bit JPEG).
        case unsupported = "unsupported image"
        /// More pixels than the reader accepts, or not enough memory.
        case tooLarge = "image too large"
        /// The image could not be encoded or the file could not be written.
        case writeFailed = "cannot write"
    }

    /// The file's path.
    public let path: String
    public let kind: Kind
    /// The codec's or the system's own words.
    public let detail: String

    public init(path: String, kind: Kind, detail: String) {
        self.path = path
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(path): \(kind.rawValue): \(detail)" }
}
