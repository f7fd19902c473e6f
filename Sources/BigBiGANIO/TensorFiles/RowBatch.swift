import Tensors

/// The check every streaming writer (`NPYRowWriter`, `SafetensorsRowWriter`, `NPZFile.write(layout:to:rows:)`) makes
/// before writing a batch of rows.
enum RowBatch {
    /// Throws unless `rows` has `shape`'s dimensions after the first and fits in what remains after `written` rows.
    /// `array` names the array in the message (its shape, with its name where the file holds several).
    static func check(_ rows: HostTensor, continue shape: Shape, after written: Int, array: String, path: String)
        throws(TensorFileError)
    {
        guard rows.shape.rank == shape.rank, rows.shape.dims.dropFirst() == shape.dims.dropFirst(),
            rows.shape[0] <= shape[0] - written
        else {
            throw TensorFileError(
                path: path, kind: .invalidArgument,
                detail: "rows \(rows.shape) do not fit \(array) after \(written) row(s)")
        }
    }
}
