import FileAccess
import Foundation

/// Why a tensor file (.npy, .npz, .safetensors, a checkpoint) could not be read or written; names the file and the problem.
public struct TensorFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The class of problem.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable = "cannot read"
        /// A tensor asked for by name is not in the file.
        case notFound = "no such tensor"
        /// The file is damaged, truncated or inconsistent with itself.
        case corrupt = "corrupt file"
        /// A valid file using something this reader does not handle (another dtype, Fortran order, zip64, ...).
        case unsupported = "unsupported content"
        /// The tensors given cannot be stored in this format (e.g. a reserved or duplicate name).
        case invalidArgument = "cannot store"
        /// Rows asked for that an array does not have.
        case outOfRange = "out of range"
        /// The file could not be written.
        case writeFailed = "cannot write"
    }

    /// The file's path.
    public let path: String
    public let kind: Kind
    public let detail: String

    public init(path: String, kind: Kind, detail: String) {
        self.path = path
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(path): \(kind.rawValue): \(detail)" }
}

/// A problem found inside a file's bytes, before the file's path is attached.
struct FormatProblem: Error {
    let kind: TensorFileError.Kind
    let detail: String

    static func corrupt(_ detail: String) -> FormatProblem { FormatProblem(kind: .corrupt, detail: detail) }
    static func unsupported(_ detail: String) -> FormatProblem { FormatProblem(kind: .unsupported, detail: detail) }
    static func invalid(_ detail: String) -> FormatProblem { FormatProblem(kind: .invalidArgument, detail: detail) }
}

extension TensorFileError {
    /// Reads `url` once and parses its bytes, attaching the path to any problem.
    static func reading<T>(_ url: URL, _ parse: (UnsafeRawBufferPointer) throws(FormatProblem) -> T)
        throws(TensorFileError) -> T
    {
        let bytes: Data
        do {
            bytes = try FileBytes.read(url)
        } catch {
            throw TensorFileError(path: url.path, kind: .unreadable, detail: error.detail)
        }
        let result = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            Result { () throws(FormatProblem) in try parse(raw) }
        }
        do {
            return try result.get()
        } catch {
            throw TensorFileError(path: url.path, kind: error.kind, detail: error.detail)
        }
    }

    /// Writes `url` atomically, attaching the path to any problem.
    static func writing(_ url: URL, _ body: (AtomicFile.Sink) throws -> Void) throws(TensorFileError) {
        do {
            try AtomicFile.write(to: url, body)
        } catch let problem as FormatProblem {
            throw TensorFileError(path: url.path, kind: problem.kind, detail: problem.detail)
        } catch let failure as FileSystemFailure {
            throw TensorFileError(path: url.path, kind: .writeFailed, detail: failure.detail)
        } catch {
            throw TensorFileError(path: url.path, kind: .writeFailed, detail: "\(error)")
        }
    }
}
