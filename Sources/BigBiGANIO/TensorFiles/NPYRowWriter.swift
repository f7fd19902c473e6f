import FileAccess
import Foundation
import Tensors

extension NPYFile {
    /// Writes a float32 array of `shape` whose rows (slices along the first axis) `produce` appends in order, a
    /// batch at a time, so that the whole array never has to be in memory: the header, with the final shape, comes
    /// first. The file appears, complete, only if `produce` returns having appended exactly `shape[0]` rows; otherwise
    /// nothing is written. Errors thrown by `produce` are rethrown unchanged; the writer's own are `TensorFileError`.
    public static func write(shape: Shape, to url: URL, rows produce: (NPYRowWriter) throws -> Void) throws {
        guard shape.rank >= 1, ElementCount.bytes(of: shape.dims, bytesPerElement: 4) != nil else {
            throw TensorFileError(path: url.path, kind: .invalidArgument, detail: "cannot write rows of shape \(shape)")
        }
        do {
            try AtomicFile.write(to: url) { sink in
                try sink.append(header(for: shape))
                let writer = NPYRowWriter(url: url, sink: sink, shape: shape)
                try produce(writer)
                guard writer.rowsWritten == shape[0] else {
                    throw TensorFileError(
                        path: url.path, kind: .invalidArgument,
                        detail: "\(writer.rowsWritten) of the \(shape[0]) rows of \(shape) were given")
                }
            }
        } catch let failure as FileSystemFailure {
            throw TensorFileError(path: url.path, kind: .writeFailed, detail: failure.detail)
        }
    }
}

/// Takes the rows of an array that `NPYFile.write(shape:to:rows:)` is writing, in order.
public final class NPYRowWriter {
    private let url: URL
    private let sink: AtomicFile.Sink
    private let shape: Shape
    /// Rows appended so far.
    public private(set) var rowsWritten = 0

    fileprivate init(url: URL, sink: AtomicFile.Sink, shape: Shape) {
        self.url = url
        self.sink = sink
        self.shape = shape
    }

    /// Appends the rows of `rows`, whose dimensions after the first must be those of the array.
    public func append(_ rows: HostTensor) throws(TensorFileError) {
        try RowBatch.check(rows, continue: shape, after: rowsWritten, array: "\(shape)", path: url.path)
        do {
            try rows.data.withLittleEndianBytes { try sink.append($0) }
        } catch {
            throw TensorFileError(
                path: url.path, kind: .writeFailed, detail: (error as? FileSystemFailure)?.detail ?? "\(error)")
        }
        rowsWritten += rows.shape[0]
    }
}
