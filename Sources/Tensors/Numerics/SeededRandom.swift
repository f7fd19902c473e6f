import Foundation

/// Reproducible random numbers: the same seed gives the same values on every platform and in every build.
///
/// The bits are SplitMix64 (Steele, Lea and Flood 2014): the state starts at the seed and advances by the golden-ratio
/// increment 0x9E3779B97F4A7C15 before each output is mixed. From them:
///
/// - `unitInterval()`: the top 53 bits as (k + 1)·2⁻⁵³, in (0, 1];
/// - `normal()`: Box–Muller on two `unitInterval()` values u₁, u₂ in Double, r = √(−2 ln u₁), t = 2π·u₂, giving
///   r·cos t and then, on the next call, r·sin t, each rounded to Float;
/// - `uniform(in:)`: the top 24 bits as k·2⁻²⁴ in [0, 1), scaled to the range in Float.
///
/// The synthetic weights, the latents and the encoder's noise are these streams, and `tools/peers/weights.py`
/// reproduces `normal()` bit for bit: changing any rule here changes them all.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    private var spare: Float?

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1] with 53 random bits; never 0, so its logarithm is finite.
    public mutating func unitInterval() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// A standard normal sample.
    public mutating func normal() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let r = (-2 * log(unitInterval())).squareRoot()
        let t = 2 * Double.pi * unitInterval()
        spare = Float(r * sin(t))
        return Float(r * cos(t))
    }

    /// Uniform in `range`: lower bound included, upper bound not.
    public mutating func uniform(in range: Range<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * Float(next() >> 40) * 0x1p-24
    }

    /// A tensor of `shape` filled with N(0, standardDeviation²) samples in row-major order.
    public mutating func normalTensor(_ shape: Shape, standardDeviation: Float = 1) -> HostTensor {
        var tensor = HostTensor(zeros: shape)
        for i in tensor.data.indices { tensor.data[i] = normal() * standardDeviation }
        return tensor
    }

    /// A tensor of `shape` filled with samples uniform in `range`, in row-major order.
    public mutating func uniformTensor(_ shape: Shape, in range: Range<Float>) -> HostTensor {
        var tensor = HostTensor(zeros: shape)
        for i in tensor.data.indices { tensor.data[i] = uniform(in: range) }
        return tensor
    }
}
