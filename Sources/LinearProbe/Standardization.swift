/// Per-feature centring and scaling, x′ = (x − mean) / std, with the mean and the (population) standard deviation of
/// the training rows, so that every feature enters the classifier on the same scale and one learning rate and one L2
/// strength suit them all. A feature whose standard deviation is below `minimumDeviation` (constant, such as a unit
/// that never fires) is only centred.
public struct Standardization: Sendable, Equatable {
    /// Each feature's mean over the training rows.
    public let mean: [Float]
    /// Each feature's standard deviation over the training rows (1 where it is below `minimumDeviation`).
    public let deviation: [Float]

    /// Deviations below this leave a feature unscaled.
    public static let minimumDeviation: Double = 1e-6

    /// Rows per block of the statistics pass: blocks are summed separately, then in order, so the result does not
    /// depend on the number of cores.
    static let blockRows = 512

    /// The mean and deviation of every column of `features`, in one pass over its rows (a block at a time; sums in
    /// Double, shifted by the first row's values so that a large mean does not swamp a small deviation). Throws
    /// `ProbeError.nonFiniteFeature` naming the first NaN or infinite value.
    public init(fitting features: any FeatureRows) throws {
        let columns = features.columnCount
        guard features.rowCount >= 1 else { throw ProbeError.invalidFeatures("no rows to standardise") }
        var shift = [Float](repeating: 0, count: columns)
        try shift.withUnsafeMutableBufferPointer { try features.copyRows(0 ..< 1, into: $0) }
        var sum = [Double](repeating: 0, count: columns)
        var sumOfSquares = [Double](repeating: 0, count: columns)
        let blocks = stride(from: 0, to: features.rowCount, by: Self.blockRows).map {
            $0 ..< min(features.rowCount, $0 + Self.blockRows)
        }
        // Blocks in groups of a few per core, each block's sums kept apart and added in block order.
        for group in stride(from: 0, to: blocks.count, by: 4 * Parallel.coreCount) {
            let groupBlocks = Array(blocks[group ..< min(blocks.count, group + 4 * Parallel.coreCount)])
            var partial = [[Double]](repeating: [], count: groupBlocks.count)
            try partial.withUnsafeMutableBufferPointer { partial in
                try Parallel.forEach(groupBlocks.count) { task in
                    partial[task] = try Self.sums(of: features, rows: groupBlocks[task], shift: shift)
                }
            }
            for sums in partial {
                for column in 0 ..< columns {
                    sum[column] += sums[column]
                    sumOfSquares[column] += sums[columns + column]
                }
            }
        }
        let count = Double(features.rowCount)
        var mean = [Float](repeating: 0, count: columns)
        var deviation = [Float](repeating: 1, count: columns)
        for column in 0 ..< columns {
            let shiftedMean = sum[column] / count
            mean[column] = Float(Double(shift[column]) + shiftedMean)
            let standardDeviation = max(0, sumOfSquares[column] / count - shiftedMean * shiftedMean).squareRoot()
            if standardDeviation >= Self.minimumDeviation { deviation[column] = Float(standardDeviation) }
        }
        self.mean = mean
        self.deviation = deviation
    }

    /// Statistics given directly.
    public init(mean: [Float], deviation: [Float]) throws(ProbeError) {
        guard mean.count == deviation.count, deviation.allSatisfy({ $0 > 0 && $0.isFinite }),
            mean.allSatisfy(\.isFinite)
        else {
            throw .invalidFeatures("a standardisation needs as many finite means as positive finite deviations")
        }
        self.mean = mean
        self.deviation = deviation
    }

    /// Each column's sum, then each column's sum of squares, of `rows` minus `shift`; throws at the first value
    /// that is not finite.
    private static func sums(of features: any FeatureRows, rows: Range<Int>, shift: [Float]) throws -> [Double] {
        let columns = features.columnCount
        var block = [Float](repeating: 0, count: rows.count * columns)
        try block.withUnsafeMutableBufferPointer { try features.copyRows(rows, into: $0) }
        var sums = [Double](repeating: 0, count: 2 * columns)
        for row in 0 ..< rows.count {
            for column in 0 ..< columns {
                let value = block[row * columns + column]
                guard value.isFinite else {
                    throw ProbeError.nonFiniteFeature(row: rows.lowerBound + row, column: column)
                }
                let shifted = Double(value) - Double(shift[column])
                sums[column] += shifted
                sums[columns + column] += shifted * shifted
            }
        }
        return sums
    }

    /// Standardises one row of `values` in place; throws at the first value that is not finite, naming it as sample
    /// `row`.
    func apply(toRow values: UnsafeMutableBufferPointer<Float>, row: Int) throws(ProbeError) {
        for column in mean.indices {
            let value = values[column]
            guard value.isFinite else { throw .nonFiniteFeature(row: row, column: column) }
            values[column] = (value - mean[column]) / deviation[column]
        }
    }
}
