import Foundation

/// A multinomial logistic-regression classifier over standardised features: scores s = x′·W + b with
/// x′ = (x − mean) / std, the predicted class the highest score. Made by `LogisticRegression.fit`.
public struct LinearClassifier: Sendable {
    /// The label each score stands for: the training labels' distinct values, ascending.
    public let classes: [Int]
    /// The training features' statistics, applied to every input first.
    public let standardization: Standardization
    /// W, row-major `columnCount × classes.count`.
    public let weights: [Float]
    /// b, one per class.
    public let bias: [Float]
    /// The L2 strength it was trained with.
    public let l2: Double
    /// Every strength tried on the held-out rows and how it did, in the order tried; empty when one strength was
    /// given.
    public let trials: [L2Trial]

    /// The number of features it takes.
    public var columnCount: Int { standardization.mean.count }

    /// Rows scored per block when evaluating.
    static let evaluationRows = 256

    /// Top-1 and top-k accuracy on `features` with their `labels`, k = min(`k`, number of classes); every label must
    /// be one of `classes`. Rows are read a block at a time. Ties between scores go to the lower class index.
    public func evaluate(_ features: any FeatureRows, labels: [Int], k: Int = 5) throws -> Accuracy {
        guard features.columnCount == columnCount else {
            throw ProbeError.columnCountMismatch(training: columnCount, test: features.columnCount)
        }
        guard labels.count == features.rowCount else {
            throw ProbeError.labelCountMismatch(rows: features.rowCount, labels: labels.count)
        }
        guard k >= 1 else { throw ProbeError.invalidOption("k must be at least 1, not \(k)") }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var targets: [Int] = []
        targets.reserveCapacity(labels.count)
        for (row, label) in labels.enumerated() {
            guard let target = index[label] else { throw ProbeError.unknownLabel(label, row: row) }
            targets.append(target)
        }
        let model = SoftmaxModel(columns: columnCount, classes: classes.count, weights: weights, bias: bias)
        let scores = try model.score(
            features, rows: Array(0 ..< features.rowCount), targets: targets, k: min(k, classes.count),
            standardization: standardization)
        return Accuracy(
            top1: Double(scores.top1) / Double(max(1, labels.count)),
            topK: Double(scores.topK) / Double(max(1, labels.count)),
            k: min(k, classes.count), count: labels.count)
    }
}

/// How a classifier did on a set of samples.
public struct Accuracy: Sendable, Equatable {
    /// The fraction whose highest score is their class.
    public let top1: Double
    /// The fraction whose class is among the `k` highest scores.
    public let topK: Double
    /// The k of `topK`: min(requested, number of classes).
    public let k: Int
    /// The number of samples.
    public let count: Int
}

/// One L2 strength tried during selection: how the classifier trained on the rest did on the held-out rows.
public struct L2Trial: Sendable, Equatable {
    public let l2: Double
    /// Top-1 accuracy on the held-out rows.
    public let top1: Double
    /// Mean cross-entropy on the held-out rows.
    public let loss: Double
}
