import FileAccess
import Foundation
import Tensors

extension NPZFile {
    /// Writes float32 arrays of `layout`'s names and shapes (each of rank 1 or more) as uncompressed `<name>.npy`
    /// members in that order, whose rows (slices along the first axis) `rows` hands to `append` a batch at a time,
    /// so that the arrays never have to be in memory. The zip format puts a member's CRC-32 before its data, so
    /// `rows` is called twice for each array — first for every array in turn to compute the CRC-32s, then again as
    /// each is written — and must give the same rows both times (rows that differ are an error). The file appears,
    /// complete, only if every array got all its rows; otherwise nothing is written. Errors thrown by `rows` are
    /// rethrown unchanged; the writer's own are `TensorFileError`. Like every `.npz` written here, the archive cannot
    /// exceed 4 GiB (no zip64).
    public static func write(
        layout: [(name: String, shape: Shape)], to url: URL,
        rows: (_ name: String, _ append: (HostTensor) throws -> Void) throws -> Void
    ) throws {
        // The members' writers are closures kept until the archive is written, all within this call.
        try withoutActuallyEscaping(rows) { produce in try write(layout: layout, to: url, produce: produce) }
    }

    private static func write(
        layout: [(name: String, shape: Shape)], to url: URL,
        produce: @escaping (_ name: String, _ append: (HostTensor) throws -> Void) throws -> Void
    ) throws {
        for (name, shape) in layout {
            guard shape.rank >= 1, ElementCount.bytes(of: shape.dims, bytesPerElement: 4) != nil else {
                throw TensorFileError(
                    path: url.path, kind: .invalidArgument, detail: "cannot write rows of '\(name)' of shape \(shape)")
            }
        }
        guard Set(layout.map(\.name)).count == layout.count else {
            throw TensorFileError(path: url.path, kind: .invalidArgument, detail: "two arrays have the same name")
        }
        // Checked before the CRC-32 pass reads every row: the data alone must leave room for the headers.
        let dataBytes = layout.reduce(0) { $0 + $1.shape.count * 4 }
        guard dataBytes < 0xFFFF_FFFF - layout.count * 256 else {
            throw TensorFileError(
                path: url.path, kind: .unsupported,
                detail: "\(dataBytes) bytes of arrays: archives over 4 GiB need zip64, which is not supported")
        }
        /// Runs `produce` for `name`, checking each batch of rows against `shape`, and returns the CRC-32 of the
        /// member (`header` and the rows) after handing each batch's bytes to `consume`.
        func pass(
            _ name: String, _ shape: Shape, header: [UInt8], _ consume: (UnsafeRawBufferPointer) throws -> Void
        ) throws -> UInt32 {
            var crc = header.withUnsafeBytes { ZipArchive.crc32($0) }
            var rowsGiven = 0
            try produce(name) { rows in
                try RowBatch.check(
                    rows, continue: shape, after: rowsGiven, array: "'\(name)' \(shape)", path: url.path)
                try rows.data.withLittleEndianBytes { bytes in
                    crc = ZipArchive.crc32(bytes, continuing: crc)
                    try consume(bytes)
                }
                rowsGiven += rows.shape[0]
            }
            guard rowsGiven == shape[0] else {
                throw TensorFileError(
                    path: url.path, kind: .invalidArgument,
                    detail: "\(rowsGiven) of the \(shape[0]) rows of '\(name)' \(shape) were given")
            }
            return crc
        }
        var members: [ZipArchive.Member] = []
        for (name, shape) in layout {
            let header = NPYFile.header(for: shape)
            let crc = try pass(name, shape, header: header) { _ in }
            members.append(
                ZipArchive.Member(name: name + ".npy", size: header.count + shape.count * 4, crc32: crc) { sink in
                    try sink.append(header)
                    let written = try pass(name, shape, header: header) { try sink.append($0) }
                    guard written == crc else {
                        throw TensorFileError(
                            path: url.path, kind: .invalidArgument,
                            detail: "the rows of '\(name)' differed between the CRC-32 pass and the writing pass")
                    }
                })
        }
        do {
            try AtomicFile.write(to: url) { try ZipArchive.write(members, to: $0) }
        } catch let problem as FormatProblem {
            throw TensorFileError(path: url.path, kind: problem.kind, detail: problem.detail)
        } catch let failure as FileSystemFailure {
            throw TensorFileError(path: url.path, kind: .writeFailed, detail: failure.detail)
        }
    }
}
