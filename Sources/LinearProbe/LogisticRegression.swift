import Foundation
import Tensors

/// Trains the linear probe of representation learning: multinomial logistic regression on standardised features with
/// an L2 penalty on the weights, its strength chosen on held-out training rows.
///
/// `fit` standardises the features with the training rows' mean and deviation (`Standardization`); holds out a
/// fraction of each class's rows (seeded, so always the same rows); trains one classifier per L2 strength on the rest
/// and keeps the strength whose classifier has the best held-out top-1 accuracy (ties: lower held-out cross-entropy,
/// then the earlier strength); then trains on every row with it. With one strength given, it trains on every row at
/// once.
///
/// Training minimises the mean cross-entropy plus `l2`/2·‖W‖² with Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) on mini-batches
/// drawn without replacement in a seeded shuffle (the incomplete batch at the end of each pass is dropped), the
/// learning rate falling from `learningRate` to 0 along a half cosine. Features are float32, read a mini-batch at a
/// time from any `FeatureRows` (a memory-mapped file works), so memory holds the weights and one batch, not the data:
/// per strength tried, W and its two Adam moments, `3 × columns × classes` floats. The results are the same on any
/// number of cores.
public struct LogisticRegression: Sendable {
    /// How `fit` trains; the defaults suit ImageNet-sized problems and small ones alike.
    public struct Options: Sendable, Equatable {
        /// The L2 strengths to choose from (one: no selection).
        public var l2Strengths: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
        /// The fraction of each class's rows held out to choose the strength (at least one row of each class of two
        /// or more rows).
        public var heldOutFraction = 0.1
        /// Passes over the training rows.
        public var epochs = 10
        /// The fewest optimiser steps, whatever the epochs, so that small problems converge too.
        public var minimumSteps = 3000
        /// Rows per mini-batch (fewer if there are fewer training rows).
        public var batchSize = 256
        /// Adam's initial learning rate.
        public var learningRate = 1e-2
        /// Seeds the held-out split and the mini-batch order.
        public var seed: UInt64 = 0

        public init() {}

        func validate() throws(ProbeError) {
            guard !l2Strengths.isEmpty, l2Strengths.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw .invalidOption("the L2 strengths must be one or more finite values ≥ 0, not \(l2Strengths)")
            }
            guard heldOutFraction > 0, heldOutFraction < 1 else {
                throw .invalidOption("the held-out fraction must lie strictly between 0 and 1, not \(heldOutFraction)")
            }
            guard epochs >= 1, minimumSteps >= 0, batchSize >= 1 else {
                throw .invalidOption("epochs and the batch size must be at least 1, the minimum steps at least 0")
            }
            guard learningRate > 0, learningRate.isFinite else {
                throw .invalidOption("the learning rate must be positive and finite, not \(learningRate)")
            }
        }
    }

    /// What `fit` is doing, for progress reports: choosing among the strengths, or training the final classifier.
    public enum Phase: String, Sendable {
        case selecting, training
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Trains a classifier of `features` whose rows have `labels` (any integers; at least two distinct values).
    /// `progress` is called after every optimiser step with the phase, the steps done and the steps of the phase.
    public func fit(
        _ features: any FeatureRows, labels: [Int], progress: (Phase, Int, Int) -> Void = { _, _, _ in }
    ) throws -> LinearClassifier {
        try options.validate()
        guard labels.count == features.rowCount else {
            throw ProbeError.labelCountMismatch(rows: features.rowCount, labels: labels.count)
        }
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else { throw ProbeError.tooFewClasses(classes.count) }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let targets = labels.map { index[$0]! }
        let standardization = try Standardization(fitting: features)
        let problem = Problem(
            features: features, targets: targets, classes: classes.count, standardization: standardization)

        var trials: [L2Trial] = []
        var l2 = options.l2Strengths[0]
        if options.l2Strengths.count > 1 {
            let (training, heldOut) = heldOutSplit(targets, classes: classes.count)
            guard !heldOut.isEmpty else { throw ProbeError.nothingToHoldOut }
            let models = try train(problem, rows: training, strengths: options.l2Strengths) {
                progress(.selecting, $0, $1)
            }
            for (strength, model) in zip(options.l2Strengths, models) {
                let result = try model.score(
                    features, rows: heldOut, targets: heldOut.map { targets[$0] }, k: 1,
                    standardization: standardization)
                trials.append(
                    L2Trial(
                        l2: strength, top1: Double(result.top1) / Double(heldOut.count),
                        loss: result.loss / Double(heldOut.count)))
            }
            // The first strength with the best (top-1, −loss); `max` would keep the last of equals.
            let best = trials.indices.reduce(0) { best, i in
                (trials[i].top1, -trials[i].loss) > (trials[best].top1, -trials[best].loss) ? i : best
            }
            l2 = trials[best].l2
        }
        let model = try train(problem, rows: Array(0 ..< features.rowCount), strengths: [l2]) {
            progress(.training, $0, $1)
        }[0]
        return LinearClassifier(
            classes: classes, standardization: standardization, weights: Array(model.weights), bias: Array(model.bias),
            l2: l2, trials: trials)
    }

    /// The features, their class indices and statistics.
    struct Problem {
        let features: any FeatureRows
        let targets: [Int]
        let classes: Int
        let standardization: Standardization
    }

    /// The training and held-out rows, each ascending: of each class's rows, in a seeded shuffle, the first
    /// round(fraction × count) are held out, at least one for a class of two or more rows, none for a class of one.
    func heldOutSplit(_ targets: [Int], classes: Int) -> (training: [Int], heldOut: [Int]) {
        var members = [[Int]](repeating: [], count: classes)
        for (row, target) in targets.enumerated() { members[target].append(row) }
        var random = SeededRandom(seed: options.seed)
        var heldOut: [Int] = []
        for var rows in members {
            Self.shuffle(&rows, using: &random)
            let count = rows.count < 2 ? 0 : max(1, Int((options.heldOutFraction * Double(rows.count)).rounded()))
            heldOut += rows.prefix(min(count, rows.count - 1))
        }
        let held = Set(heldOut)
        return ((0 ..< targets.count).filter { !held.contains($0) }, heldOut.sorted())
    }

    /// Trains one model per strength on `rows` of the problem, all on the same mini-batches.
    private func train(
        _ problem: Problem, rows: [Int], strengths: [Double], progress: (Int, Int) -> Void
    ) throws -> [SoftmaxModel] {
        let columns = problem.features.columnCount
        let batch = min(options.batchSize, rows.count)
        let steps = max(options.epochs * (rows.count / batch), options.minimumSteps)
        let models = strengths.map { _ in SoftmaxModel(columns: columns, classes: problem.classes) }
        let x = UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * columns)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: batch * problem.classes)
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: columns * problem.classes)
        defer {
            x.deallocate()
            scratch.deallocate()
            gradient.deallocate()
        }
        var random = SeededRandom(seed: options.seed &+ 1)
        var order = rows
        var position = order.count
        for step in 0 ..< steps {
            if position + batch > order.count {
                Self.shuffle(&order, using: &random)
                position = 0
            }
            let batchRows = order[position ..< position + batch]
            position += batch
            try SoftmaxModel.gather(
                problem.features, rows: batchRows, into: x, standardization: problem.standardization)
            let targets = ArraySlice(batchRows.map { problem.targets[$0] })
            let rate = Float(options.learningRate * 0.5 * (1 + cos(Double.pi * Double(step) / Double(steps))))
            for (model, strength) in zip(models, strengths) {
                try model.step(
                    x: x.baseAddress!, targets: targets, count: batch, l2: Float(strength), rate: rate, step: step + 1,
                    scratch: scratch, gradient: gradient)
            }
            progress(step + 1, steps)
        }
        return models
    }

    /// Fisher–Yates with `SeededRandom`, spelled out so that the order never changes with the standard library's.
    static func shuffle(_ values: inout [Int], using random: inout SeededRandom) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(UInt64(i + 1).multipliedFullWidth(by: random.next()).high)
            values.swapAt(i, j)
        }
    }
}
