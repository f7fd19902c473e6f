import Foundation

/// W and b of a softmax classifier with their Adam moments, trained in place a mini-batch at a time, and scoring of
/// rows read from features. Buffers are allocated once; work on rows, classes or weight rows is split over cores
/// without changing any result (see `MatrixProducts`).
final class SoftmaxModel: @unchecked Sendable {
    let columns: Int
    let classes: Int
    let weights: UnsafeMutableBufferPointer<Float>
    let bias: UnsafeMutableBufferPointer<Float>
    /// Adam's first and second moments of W and b.
    private let weightMoments: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>)
    private let biasMoments: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>)

    static let beta1: Float = 0.9
    static let beta2: Float = 0.999
    static let epsilon: Float = 1e-8

    /// A model of zero weights.
    init(columns: Int, classes: Int) {
        self.columns = columns
        self.classes = classes
        weights = .allocate(zeros: columns * classes)
        bias = .allocate(zeros: classes)
        weightMoments = (.allocate(zeros: columns * classes), .allocate(zeros: columns * classes))
        biasMoments = (.allocate(zeros: classes), .allocate(zeros: classes))
    }

    /// A model of the given weights, for scoring.
    convenience init(columns: Int, classes: Int, weights: [Float], bias: [Float]) {
        self.init(columns: columns, classes: classes)
        _ = self.weights.update(fromContentsOf: weights)
        _ = self.bias.update(fromContentsOf: bias)
    }

    deinit {
        for buffer in [weights, bias, weightMoments.0, weightMoments.1, biasMoments.0, biasMoments.1] {
            buffer.deallocate()
        }
    }

    /// Writes the scores x·W + b of `count` standardised rows `x` (row-major, `columns` each) into `scores`.
    func scores(of x: UnsafePointer<Float>, count: Int, into scores: UnsafeMutablePointer<Float>) throws {
        for row in 0 ..< count { (scores + row * classes).update(from: bias.baseAddress!, count: classes) }
        let pieces = Parallel.ranges(of: count, pieces: Parallel.coreCount, alignment: 4)
        try Parallel.forEach(pieces.count) { piece in
            MatrixProducts.addProducts(
                rows: pieces[piece], depth: columns, columns: classes, a: x, aRowStride: columns, aDepthStride: 1,
                b: weights.baseAddress!, c: scores)
        }
    }

    /// One Adam step (bias-corrected for step `step`, counted from 1) on the mean cross-entropy of `count` rows `x`
    /// of classes `targets`, plus `l2`/2·‖W‖² (the bias is not regularised), at learning rate `rate`. `scratch` holds
    /// `count × classes` values and `gradient` `columns × classes`.
    func step(
        x: UnsafePointer<Float>, targets: ArraySlice<Int>, count: Int, l2: Float, rate: Float, step: Int,
        scratch: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>
    ) throws {
        try scores(of: x, count: count, into: scratch)
        // The loss's gradient with respect to the scores: (softmax − one-hot) / count.
        for (row, target) in zip(0 ..< count, targets) {
            let probabilities = scratch + row * classes
            Self.softmax(probabilities, count: classes)
            probabilities[target] -= 1
            for j in 0 ..< classes { probabilities[j] /= Float(count) }
        }
        let correction1 = 1 - pow(Self.beta1, Float(step))
        let correction2 = 1 - pow(Self.beta2, Float(step))
        var biasGradient = [Float](repeating: 0, count: classes)
        for row in 0 ..< count {
            for j in 0 ..< classes { biasGradient[j] += scratch[row * classes + j] }
        }
        Self.adam(
            parameters: bias.baseAddress!, gradient: biasGradient, moments: biasMoments, range: 0 ..< classes,
            rate: rate, corrections: (correction1, correction2))
        let pieces = Parallel.ranges(of: columns, pieces: 4 * Parallel.coreCount, alignment: 4)
        try Parallel.forEach(pieces.count) { piece in
            let rows = pieces[piece]
            let values = rows.lowerBound * classes ..< rows.upperBound * classes
            (gradient + values.lowerBound).initialize(repeating: 0, count: values.count)
            MatrixProducts.addProducts(
                rows: rows, depth: count, columns: classes, a: x, aRowStride: 1, aDepthStride: columns, b: scratch,
                c: gradient)
            for i in values { gradient[i] += l2 * weights[i] }
            Self.adam(
                parameters: weights.baseAddress!, gradient: gradient, moments: weightMoments, range: values,
                rate: rate, corrections: (correction1, correction2))
        }
    }

    /// Counts of rows whose target has the highest score and is among the `k` highest, and the sum of their
    /// cross-entropies, for features `rows` (read a block at a time and standardised) of classes `targets`.
    func score(
        _ features: any FeatureRows, rows: [Int], targets: [Int], k: Int, standardization: Standardization
    ) throws -> (top1: Int, topK: Int, loss: Double) {
        let block = LinearClassifier.evaluationRows
        let x = UnsafeMutableBufferPointer<Float>.allocate(capacity: block * columns)
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: block * classes)
        defer {
            x.deallocate()
            scores.deallocate()
        }
        var (top1, topK, loss) = (0, 0, 0.0)
        for start in stride(from: 0, to: rows.count, by: block) {
            let blockRows = rows[start ..< min(rows.count, start + block)]
            try Self.gather(features, rows: blockRows, into: x, standardization: standardization)
            try self.scores(of: x.baseAddress!, count: blockRows.count, into: scores.baseAddress!)
            for (offset, target) in targets[start ..< start + blockRows.count].enumerated() {
                let row = scores.baseAddress! + offset * classes
                let value = row[target]
                var rank = 0
                for j in 0 ..< classes where row[j] > value || (row[j] == value && j < target) { rank += 1 }
                if rank == 0 { top1 += 1 }
                if rank < k { topK += 1 }
                var largest = -Float.infinity
                for j in 0 ..< classes { largest = max(largest, row[j]) }
                var total = 0.0
                for j in 0 ..< classes { total += Double(exp(row[j] - largest)) }
                loss += log(total) - Double(value - largest)
            }
        }
        return (top1, topK, loss)
    }

    /// Reads `rows` of `features` (runs of consecutive rows in one read each) into `x` and standardises them, split
    /// over cores; throws at the first value (in row order) that is not finite.
    static func gather(
        _ features: any FeatureRows, rows: ArraySlice<Int>, into x: UnsafeMutableBufferPointer<Float>,
        standardization: Standardization
    ) throws {
        let columns = features.columnCount
        let pieces = Parallel.ranges(of: rows.count, pieces: Parallel.coreCount)
        try Parallel.forEach(pieces.count) { piece in
            var position = pieces[piece].lowerBound
            while position < pieces[piece].upperBound {
                let first = rows[rows.startIndex + position]
                var run = 1
                while position + run < pieces[piece].upperBound, rows[rows.startIndex + position + run] == first + run {
                    run += 1
                }
                let destination = UnsafeMutableBufferPointer(
                    rebasing: x[position * columns ..< (position + run) * columns])
                try features.copyRows(first ..< first + run, into: destination)
                for offset in 0 ..< run {
                    try standardization.apply(
                        toRow: UnsafeMutableBufferPointer(
                            rebasing: x[(position + offset) * columns ..< (position + offset + 1) * columns]),
                        row: first + offset)
                }
                position += run
            }
        }
    }

    /// Replaces `count` scores by their softmax.
    private static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for j in 0 ..< count { largest = max(largest, values[j]) }
        var total: Float = 0
        for j in 0 ..< count {
            values[j] = exp(values[j] - largest)
            total += values[j]
        }
        for j in 0 ..< count { values[j] /= total }
    }

    /// Adam's update of `parameters[range]` from `gradient[range]`.
    private static func adam(
        parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
        moments: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>), range: Range<Int>,
        rate: Float, corrections: (Float, Float)
    ) {
        let (first, second) = moments
        for i in range {
            let g = gradient[i]
            first[i] = beta1 * first[i] + (1 - beta1) * g
            second[i] = beta2 * second[i] + (1 - beta2) * g * g
            parameters[i] -= rate * (first[i] / corrections.0) / ((second[i] / corrections.1).squareRoot() + epsilon)
        }
    }
}

extension UnsafeMutableBufferPointer where Element == Float {
    /// A new buffer of `count` zeros, to be deallocated by its owner.
    fileprivate static func allocate(zeros count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0)
        return buffer
    }
}
