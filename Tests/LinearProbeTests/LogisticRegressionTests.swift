import Foundation
import Tensors
import Testing

@testable import LinearProbe

/// The probe's classifier against problems whose answer is known: separable blobs, two overlapping Gaussians of known
/// Bayes accuracy, hand-made scores for top-k; its determinism and its errors.
@Suite struct LogisticRegressionTests {
    /// `count` samples of each class, class c drawn from N(centers[c], spread²·I).
    static func gaussians(_ centers: [[Float]], count: Int, spread: Float, seed: UInt64) throws -> (
        features: FeatureArray, labels: [Int]
    ) {
        var random = SeededRandom(seed: seed)
        var values: [Float] = []
        var labels: [Int] = []
        for _ in 0 ..< count {
            for (label, center) in centers.enumerated() {
                values += center.map { $0 + spread * random.normal() }
                labels.append(label)
            }
        }
        let features = try FeatureArray(rowCount: labels.count, columnCount: centers[0].count, values: values)
        return (features, labels)
    }

    /// Four blobs 8σ apart in 8 dimensions, labels that are not 0..<4: every test sample is classified right.
    @Test func separableBlobsAreAllClassifiedRight() throws {
        let centers: [[Float]] = (0 ..< 4).map { c in (0 ..< 8).map { $0 == 2 * c ? 8 : 0 } }
        let train = try Self.gaussians(centers, count: 100, spread: 1, seed: 1)
        let test = try Self.gaussians(centers, count: 50, spread: 1, seed: 2)
        let labelValues = [7, -3, 12, 0]
        let classifier = try LogisticRegression().fit(train.features, labels: train.labels.map { labelValues[$0] })
        #expect(classifier.classes == [-3, 0, 7, 12])
        let accuracy = try classifier.evaluate(test.features, labels: test.labels.map { labelValues[$0] })
        #expect(accuracy == Accuracy(top1: 1, topK: 1, k: 4, count: 200))
    }

    /// Two classes N(±m·u, I) in 4 dimensions (u a unit vector) with equal priors: the best rule, x·u ≷ 0, is right
    /// with probability Φ(m), 0.6915 for m = 0.5. The learned rule, a linear one, is scored exactly from its weights
    /// (Φ of each class mean's signed distance to its boundary), which must come within 0.01 of Φ(m); on 20 000 test
    /// samples the measured accuracy must come within 0.015 (4.5 standard errors of 0.0033, plus the rule's gap).
    @Test func overlappingGaussiansReachTheBayesAccuracy() throws {
        let m: Float = 0.5
        let direction: [Float] = [0.6, 0, -0.8, 0]
        let centers = [direction.map { -m * $0 }, direction.map { m * $0 }]
        let train = try Self.gaussians(centers, count: 2000, spread: 1, seed: 3)
        let classifier = try LogisticRegression().fit(train.features, labels: train.labels)
        let bayes = Self.phi(Double(m))

        // d(x) = s₁ − s₀ = Σᵢ xᵢ·wᵢ + c in the original features.
        let (mean, deviation) = (classifier.standardization.mean, classifier.standardization.deviation)
        let w = (0 ..< 4).map {
            Double(classifier.weights[$0 * 2 + 1] - classifier.weights[$0 * 2]) / Double(deviation[$0])
        }
        let c = Double(classifier.bias[1] - classifier.bias[0]) - (0 ..< 4).reduce(0) { $0 + w[$1] * Double(mean[$1]) }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        func margin(_ center: [Float]) -> Double { (zip(w, center).reduce(c) { $0 + $1.0 * Double($1.1) }) / norm }
        let exact = 0.5 * Self.phi(margin(centers[1])) + 0.5 * Self.phi(-margin(centers[0]))
        #expect(exact <= bayes + 1e-9 && exact > bayes - 0.01, "rule's accuracy \(exact), Bayes \(bayes)")

        let test = try Self.gaussians(centers, count: 10_000, spread: 1, seed: 4)
        let accuracy = try classifier.evaluate(test.features, labels: test.labels)
        #expect(abs(accuracy.top1 - bayes) < 0.015, "measured \(accuracy.top1), Bayes \(bayes)")
        #expect(accuracy.k == 2 && accuracy.topK == 1)
    }

    /// Φ, the standard normal distribution function.
    static func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.squareRoot()) }

    /// Scores made by hand: a sample counts for top-k when fewer than k classes score above it (ties to the lower
    /// class index); k is at most the number of classes.
    @Test func topKCountsTheTrueClassAmongTheKHighestScores() throws {
        // One feature x; score of class j = x·j + b_j over 7 classes, so x = 1 ranks the classes by j + b_j.
        let bias: [Float] = [0, 0, 0, 0, 0, 0, -5.5]  // scores for x = 1: 0 1 2 3 4 5 0.5
        let classifier = LinearClassifier(
            classes: Array(10 ..< 17), standardization: try Standardization(mean: [0], deviation: [1]),
            weights: (0 ..< 7).map(Float.init), bias: bias, l2: 0, trials: [])
        let ones = try FeatureArray(rowCount: 7, columnCount: 1, values: [Float](repeating: 1, count: 7))
        // Scores in descending order: 15 (5), 14 (4), 13 (3), 12 (2), 11 (1), 16 (0.5), 10 (0).
        let accuracy = try classifier.evaluate(ones, labels: Array(10 ..< 17))
        #expect(accuracy.k == 5 && accuracy.count == 7)
        #expect(accuracy.top1 == 1.0 / 7)  // only class 15
        #expect(accuracy.topK == 5.0 / 7)  // 15, 14, 13, 12, 11
        #expect(try classifier.evaluate(ones, labels: Array(10 ..< 17), k: 6).topK == 6.0 / 7)

        // x = 0: every score is 0 but class 16's (−5.5): ties go to the lower class index, so 10 is first.
        let zeros = try FeatureArray(rowCount: 3, columnCount: 1, values: [0, 0, 0])
        let tied = try classifier.evaluate(zeros, labels: [10, 14, 16], k: 5)
        #expect(tied.top1 == 1.0 / 3 && tied.topK == 2.0 / 3)

        let three = LinearClassifier(
            classes: [0, 1, 2], standardization: try Standardization(mean: [0], deviation: [1]),
            weights: [0, 1, 2], bias: [0, 0, 0], l2: 0, trials: [])
        let result = try three.evaluate(ones, labels: [0, 0, 0, 1, 1, 2, 2])
        #expect(result.k == 3 && result.topK == 1 && result.top1 == 2.0 / 7)
    }

    @Test func standardisationUsesTheTrainingMeanAndDeviation() throws {
        // Column 0: 1e4 + small steps (a large mean over a small deviation); column 1: constant; column 2: ±2.
        let rows = 1500  // several statistics blocks
        var values: [Float] = []
        for row in 0 ..< rows { values += [1e4 + Float(row % 3) * 0.25, 7, row % 2 == 0 ? 2 : -2] }
        let standardization = try Standardization(fitting: FeatureArray(rowCount: rows, columnCount: 3, values: values))
        #expect(standardization.mean == [1e4 + 0.25, 7, 0])
        // Column 0 takes 0, 0.25, 0.5 equally often: deviation 0.25·√(2/3).
        #expect(abs(standardization.deviation[0] - 0.25 * (2.0 / 3).squareRoot()) < 1e-6)
        #expect(standardization.deviation[1] == 1 && standardization.deviation[2] == 2)

        var row: [Float] = [1e4 + 0.5, 9, -2]
        try row.withUnsafeMutableBufferPointer { try standardization.apply(toRow: $0, row: 0) }
        #expect(abs(row[0] - (2.0 / 3).squareRoot() * 1.5) < 1e-4 && row[1] == 2 && row[2] == -1)
    }

    /// The same data and seed give the same strength, trials and weights; the chosen strength is the best trial.
    @Test func theL2ChoiceIsDeterministic() throws {
        // Few samples of many noisy features: the strengths differ on the held-out rows.
        var random = SeededRandom(seed: 9)
        let centers: [[Float]] = (0 ..< 3).map { _ in (0 ..< 32).map { _ in 0.4 * random.normal() } }
        let data = try Self.gaussians(centers, count: 20, spread: 1, seed: 5)
        var options = LogisticRegression.Options()
        options.minimumSteps = 300
        let first = try LogisticRegression(options: options).fit(data.features, labels: data.labels)
        let second = try LogisticRegression(options: options).fit(data.features, labels: data.labels)
        #expect(first.trials.map(\.l2) == options.l2Strengths)
        #expect(first.trials == second.trials && first.l2 == second.l2)
        #expect(first.weights == second.weights && first.bias == second.bias)
        let best = try #require(first.trials.first { $0.l2 == first.l2 })
        #expect(first.trials.allSatisfy { $0.top1 < best.top1 || ($0.top1 == best.top1 && $0.loss >= best.loss) })

        options.seed = 1
        let reseeded = try LogisticRegression(options: options).fit(data.features, labels: data.labels)
        #expect(reseeded.weights != first.weights)
    }

    /// Each class keeps at least one training row; classes of two or more hold out round(10 %), at least one.
    @Test func theHeldOutRowsAreAStratifiedSeededSample() throws {
        let targets = [Int](repeating: 0, count: 1) + [Int](repeating: 1, count: 4) + [Int](repeating: 2, count: 100)
        let regression = LogisticRegression()
        let (training, heldOut) = regression.heldOutSplit(targets, classes: 3)
        #expect(heldOut.map { targets[$0] }.reduce(into: [0, 0, 0]) { $0[$1] += 1 } == [0, 1, 10])
        #expect(Set(training).union(heldOut) == Set(0 ..< targets.count) && Set(training).isDisjoint(with: heldOut))
        #expect(regression.heldOutSplit(targets, classes: 3).heldOut == heldOut)
    }

    /// Splitting the rows of a product over tasks changes no bit of it.
    @Test func productsDoNotDependOnHowRowsAreSplit() throws {
        var random = SeededRandom(seed: 11)
        let (rows, depth, columns) = (13, 300, 7)
        let a = (0 ..< rows * depth).map { _ in random.normal() }
        let b = (0 ..< depth * columns).map { _ in random.normal() }
        func product(_ pieces: [Range<Int>]) -> [Float] {
            var c = [Float](repeating: 0.5, count: rows * columns)
            c.withUnsafeMutableBufferPointer { c in
                for piece in pieces {
                    MatrixProducts.addProducts(
                        rows: piece, depth: depth, columns: columns, a: a, aRowStride: depth, aDepthStride: 1, b: b,
                        c: c.baseAddress!)
                }
            }
            return c
        }
        let whole = product([0 ..< rows])
        #expect(product([0 ..< 3, 3 ..< 4, 4 ..< 13]).map(\.bitPattern) == whole.map(\.bitPattern))
        #expect(product((0 ..< rows).map { $0 ..< $0 + 1 }).map(\.bitPattern) == whole.map(\.bitPattern))
        // Against a Double reference.
        for i in 0 ..< rows {
            for j in 0 ..< columns {
                let exact = (0 ..< depth).reduce(0.5) { $0 + Double(a[i * depth + $1]) * Double(b[$1 * columns + j]) }
                #expect(abs(Double(whole[i * columns + j]) - exact) < 1e-3)
            }
        }
    }

    @Test func badInputsSayWhatIsWrong() throws {
        let features = try FeatureArray(rowCount: 4, columnCount: 2, values: [0, 1, 1, 0, 2, 2, 3, 1])
        let regression = LogisticRegression()
        #expect(throws: ProbeError.labelCountMismatch(rows: 4, labels: 3)) {
            try regression.fit(features, labels: [0, 1, 0])
        }
        #expect(throws: ProbeError.tooFewClasses(1)) { try regression.fit(features, labels: [5, 5, 5, 5]) }
        let withNaN = try FeatureArray(rowCount: 4, columnCount: 2, values: [0, 1, 1, 0, 2, .nan, 3, 1])
        #expect(throws: ProbeError.nonFiniteFeature(row: 2, column: 1)) {
            try regression.fit(withNaN, labels: [0, 1, 0, 1])
        }
        #expect(throws: ProbeError.invalidFeatures("7 values do not make 4 rows of 2")) {
            try FeatureArray(rowCount: 4, columnCount: 2, values: [Float](repeating: 0, count: 7))
        }
        var options = LogisticRegression.Options()
        options.l2Strengths = [1e-3, 1]
        #expect(throws: ProbeError.nothingToHoldOut) {
            try LogisticRegression(options: options).fit(features, labels: [0, 1, 2, 3])
        }
        options.l2Strengths = [-1]
        #expect(throws: ProbeError.self) {
            try LogisticRegression(options: options).fit(features, labels: [0, 1, 0, 1])
        }

        options.l2Strengths = [1e-3]
        options.minimumSteps = 10
        let classifier = try LogisticRegression(options: options).fit(features, labels: [0, 1, 0, 1])
        #expect(throws: ProbeError.unknownLabel(2, row: 1)) {
            try classifier.evaluate(features, labels: [0, 2, 0, 1])
        }
        #expect(throws: ProbeError.nonFiniteFeature(row: 2, column: 1)) {
            try classifier.evaluate(withNaN, labels: [0, 1, 0, 1])
        }
        let narrow = try FeatureArray(rowCount: 1, columnCount: 1, values: [0])
        #expect(throws: ProbeError.columnCountMismatch(training: 2, test: 1)) {
            try classifier.evaluate(narrow, labels: [0])
        }
        #expect(
            ProbeError.tooFewClasses(1).description == "the training labels hold 1 class; a classifier needs at least 2"
        )
    }
}
