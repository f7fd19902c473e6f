/// A matrix of float32 features, one sample per row, read a range of rows at a time: from memory (`FeatureArray`) or
/// from a file too large for it, so that a probe never needs every row in memory at once.
///
/// Conforming types must allow reads from several threads at once.
public protocol FeatureRows: Sendable {
    /// The number of samples.
    var rowCount: Int { get }
    /// The number of features per sample.
    var columnCount: Int { get }
    /// Copies rows `rows` (within `0..<rowCount`) into `destination`, row after row, `rows.count × columnCount`
    /// values in all.
    func copyRows(_ rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws
}

/// Features held in memory, row-major.
public struct FeatureArray: FeatureRows {
    public let rowCount: Int
    public let columnCount: Int
    /// The values, row after row.
    public let values: [Float]

    /// Features of `rowCount` rows of `columnCount` values; `values` must hold exactly that many.
    public init(rowCount: Int, columnCount: Int, values: [Float]) throws(ProbeError) {
        guard rowCount >= 0, columnCount >= 1,
            rowCount.multipliedReportingOverflow(by: columnCount) == (values.count, false)
        else {
            throw .invalidFeatures("\(values.count) values do not make \(rowCount) rows of \(columnCount)")
        }
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    public func copyRows(_ rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount, destination.count >= rows.count * columnCount else {
            throw ProbeError.invalidFeatures(
                "rows \(rows) into \(destination.count) values: there are \(rowCount) rows of \(columnCount)")
        }
        values.withUnsafeBufferPointer { source in
            let start = rows.lowerBound * columnCount
            _ = destination.update(fromContentsOf: source[start ..< start + rows.count * columnCount])
        }
    }
}
