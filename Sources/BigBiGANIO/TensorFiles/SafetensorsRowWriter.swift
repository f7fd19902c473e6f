import FileAccess
import Foundation
import Tensors

extension SafetensorsFile {
    /// Writes float32 tensors of `layout`'s names and shapes (each of rank 1 or more), their data in that order, whose
    /// rows (slices along the first axis) `produce` appends a batch at a time, tensor after tensor, so that the tensors
    /// never have to be in memory: the header, with the final shapes, comes first. The file appears, complete, only if
    /// `produce` returns having appended every row of every tensor; otherwise nothing is written. Errors thrown by
    /// `produce` are rethrown unchanged; the writer's own are `TensorFileError`.
    public static func write(
        layout: [(name: String, shape: Shape)], metadata: [String: String] = [:], to url: URL,
        rows produce: (SafetensorsRowWriter) throws -> Void
    ) throws {
        for (name, shape) in layout {
            guard shape.rank >= 1, ElementCount.bytes(of: shape.dims, bytesPerElement: 4) != nil else {
                throw TensorFileError(
                    path: url.path, kind: .invalidArgument, detail: "cannot write rows of '\(name)' of shape \(shape)")
            }
        }
        do {
            let header = try encodedHeader(for: layout, metadata: metadata)
            try AtomicFile.write(to: url) { sink in
                try sink.append(header)
                let writer = SafetensorsRowWriter(url: url, sink: sink, layout: layout)
                try produce(writer)
                if let (name, shape, written) = writer.incomplete {
                    throw TensorFileError(
                        path: url.path, kind: .invalidArgument,
                        detail: "\(written) of the \(shape[0]) rows of '\(name)' \(shape) were given")
                }
            }
        } catch let problem as FormatProblem {
            throw TensorFileError(path: url.path, kind: problem.kind, detail: problem.detail)
        } catch let failure as FileSystemFailure {
            throw TensorFileError(path: url.path, kind: .writeFailed, detail: failure.detail)
        }
    }
}

/// Takes the rows of the tensors that `SafetensorsFile.write(layout:metadata:to:rows:)` is writing, in order.
public final class SafetensorsRowWriter {
    private let url: URL
    private let sink: AtomicFile.Sink
    private let layout: [(name: String, shape: Shape)]
    /// The tensor being filled: the first with rows still missing.
    private var current = 0
    /// Rows of the current tensor appended so far.
    private var rowsWritten = 0

    fileprivate init(url: URL, sink: AtomicFile.Sink, layout: [(name: String, shape: Shape)]) {
        self.url = url
        self.sink = sink
        self.layout = layout
        skipCompleteTensors()
    }

    /// The first tensor with rows missing and how many it has, or nil when every tensor is complete.
    fileprivate var incomplete: (name: String, shape: Shape, written: Int)? {
        current < layout.count ? (layout[current].name, layout[current].shape, rowsWritten) : nil
    }

    /// Appends `rows` to the tensor `name`, which must be the one being filled (the first, in the layout's order,
    /// with rows missing); their dimensions after the first must be the tensor's, and they must not be more than it
    /// lacks.
    public func append(_ rows: HostTensor, to name: String) throws(TensorFileError) {
        guard let (expected, shape, written) = incomplete else {
            throw TensorFileError(
                path: url.path, kind: .invalidArgument, detail: "rows for '\(name)' after every tensor is complete")
        }
        guard name == expected else {
            throw TensorFileError(
                path: url.path, kind: .invalidArgument,
                detail: "rows for '\(name)' while '\(expected)' has \(written) of its \(shape[0]) rows")
        }
        try RowBatch.check(rows, continue: shape, after: written, array: "'\(name)' \(shape)", path: url.path)
        do {
            try rows.data.withLittleEndianBytes { try sink.append($0) }
        } catch {
            throw TensorFileError(
                path: url.path, kind: .writeFailed, detail: (error as? FileSystemFailure)?.detail ?? "\(error)")
        }
        rowsWritten += rows.shape[0]
        skipCompleteTensors()
    }

    /// Moves past the tensors that have all their rows (those of zero rows from the start).
    private func skipCompleteTensors() {
        while current < layout.count, rowsWritten == layout[current].shape[0] {
            current += 1
            rowsWritten = 0
        }
    }
}
