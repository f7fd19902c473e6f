/// Why a probe could not be trained or evaluated: its input, in words that say what to fix.
public enum ProbeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The features and the labels give different numbers of samples.
    case labelCountMismatch(rows: Int, labels: Int)
    /// The training labels hold fewer than two classes: there is nothing to tell apart.
    case tooFewClasses(Int)
    /// A feature is NaN or infinite.
    case nonFiniteFeature(row: Int, column: Int)
    /// Test features have another width than the training features.
    case columnCountMismatch(training: Int, test: Int)
    /// A test label that no training sample has: the classifier cannot predict it.
    case unknownLabel(Int, row: Int)
    /// Several L2 strengths to choose from but no class with two samples to hold one out.
    case nothingToHoldOut
    /// Features that are not a matrix of values (a count that does not match, no columns, rows out of range).
    case invalidFeatures(String)
    /// A training option out of its range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .labelCountMismatch(let rows, let labels):
            "the features have \(rows) rows but there are \(labels) labels"
        case .tooFewClasses(let count):
            "the training labels hold \(count) class\(count == 1 ? "" : "es"); a classifier needs at least 2"
        case .nonFiniteFeature(let row, let column):
            "feature \(column) of sample \(row) is NaN or infinite"
        case .columnCountMismatch(let training, let test):
            "the test features have \(test) columns, the training features \(training)"
        case .unknownLabel(let label, let row):
            "test sample \(row) has label \(label), which no training sample has"
        case .nothingToHoldOut:
            "no class has two training samples, so none can be held out to choose the L2 strength; give one strength"
        case .invalidFeatures(let detail): "invalid features: \(detail)"
        case .invalidOption(let detail): "invalid option: \(detail)"
        }
    }
}
