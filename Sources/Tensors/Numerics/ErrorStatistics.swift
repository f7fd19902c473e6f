/// How far a result is from its reference, element by element: what parity checks and tests measure.
///
/// - `maxAbsolute`: the largest |a − e|.
/// - `maxRelative`: the largest |a − e| / |e| over elements with |e| > `relativeFloor`; smaller references are left
///   out, since near zero a ratio says nothing about accuracy (0 when no element qualifies).
/// - `nmse`: the normalised mean squared error Σ(a − e)² / Σe², summed in Double; Σ(a − e)² alone when the
///   reference is all zeros.
/// - Non-finite values: an element where either side is NaN or ±∞ counts in `nonFinite` and makes all three
///   measures +∞, so no tolerance accepts it (matching infinities included).
public struct ErrorStatistics: Sendable, Equatable, CustomStringConvertible {
    public private(set) var maxAbsolute: Float = 0
    public private(set) var maxRelative: Float = 0
    public private(set) var nmse: Double = 0
    /// Elements where the actual or the expected value is NaN or infinite.
    public private(set) var nonFinite = 0
    /// Index of the element with the largest difference (the first non-finite one, if any); -1 when empty.
    public private(set) var worstIndex = -1

    /// Compares `actual` with `expected`, which must have the same count. `relativeFloor` is the smallest |e| whose
    /// relative error counts.
    public init(actual: [Float], expected: [Float], relativeFloor: Float = 1e-3) {
        precondition(
            actual.count == expected.count,
            "ErrorStatistics: \(actual.count) actual values for \(expected.count) expected")
        var errorSum = 0.0
        var referenceSum = 0.0
        for i in expected.indices {
            let a = actual[i]
            let e = expected[i]
            guard a.isFinite, e.isFinite else {
                if nonFinite == 0 { worstIndex = i }
                nonFinite += 1
                continue
            }
            let difference = abs(a - e)
            errorSum += Double(difference) * Double(difference)
            referenceSum += Double(e) * Double(e)
            if nonFinite == 0, difference > maxAbsolute || worstIndex < 0 {
                maxAbsolute = difference
                worstIndex = i
            }
            if abs(e) > relativeFloor { maxRelative = max(maxRelative, difference / abs(e)) }
        }
        if nonFinite > 0 {
            (maxAbsolute, maxRelative, nmse) = (.infinity, .infinity, .infinity)
        } else {
            nmse = referenceSum > 0 ? errorSum / referenceSum : errorSum
        }
    }

    public var description: String {
        "max abs \(maxAbsolute), max rel \(maxRelative), NMSE \(nmse)"
            + (nonFinite > 0 ? ", \(nonFinite) non-finite element(s)" : "")
            + (worstIndex >= 0 ? ", worst at \(worstIndex)" : "")
    }
}
