import Foundation
import Tensors

/// Deterministic random numbers (SplitMix64) so every failure reproduces.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (Box–Muller).
    mutating func normal() -> Float {
        let u1 = Float.random(in: Float.ulpOfOne ..< 1, using: &self)
        let u2 = Float.random(in: 0 ..< 1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A host tensor of N(0, scale²) values.
    mutating func tensor(_ shape: Shape, scale: Float = 1) -> HostTensor {
        try! HostTensor(shape: shape, data: (0 ..< shape.count).map { _ in normal() * scale })
    }

    /// A host tensor of uniform values in `range`.
    mutating func uniform(_ shape: Shape, _ range: ClosedRange<Float>) -> HostTensor {
        try! HostTensor(shape: shape, data: (0 ..< shape.count).map { _ in Float.random(in: range, using: &self) })
    }
}
