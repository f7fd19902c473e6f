import Tensors

/// Latent vectors for the generator.
public enum Latents {
    /// z [count, dimension] ~ N(0, I), reproducible from `seed` on every platform (`SeededRandom.normal()`).
    public static func normal(count: Int, dimension: Int, seed: UInt64) throws -> HostTensor {
        var stream = Stream(dimension: dimension, seed: seed)
        return try stream.next(count)
    }

    /// The rows of `normal(count:dimension:seed:)` for any count, drawn a batch at a time: the rows of successive
    /// `next` calls are those of one `normal` call with their total count.
    public struct Stream {
        public let dimension: Int
        private var random: SeededRandom

        public init(dimension: Int, seed: UInt64) {
            self.dimension = dimension
            // Offset so that a seed's latents are not the same stream as its encoder noise (`Encoder.noise`).
            random = SeededRandom(seed: seed &+ 0x5EED)
        }

        /// The next `count` rows, [count, dimension].
        public mutating func next(_ count: Int) throws -> HostTensor {
            guard count >= 0, dimension >= 0, !count.multipliedReportingOverflow(by: dimension).overflow else {
                throw TensorError.invalidData("latents [\(count), \(dimension)]: negative or too large")
            }
            return random.normalTensor([count, dimension])
        }
    }

    /// The largest magnitude accepted in a latent: a N(0, 1) draw exceeds 100 with probability below 10⁻²⁰⁰⁰, so a
    /// larger value is a mistake (wrong file, wrong scale), not a latent.
    public static let largestMagnitude: Float = 100

    /// Why `z` [N, dimension] cannot be latents — the first value that is NaN, infinite, or larger in magnitude than
    /// `largestMagnitude`, with its row and column — or nil if it can.
    public static func problem(in z: HostTensor) -> String? {
        let columns = max(z.shape.channels, 1)
        guard let index = z.data.firstIndex(where: { !(abs($0) <= largestMagnitude) }) else { return nil }
        return "row \(index / columns), column \(index % columns) is \(z.data[index]); latents are N(0, 1) draws, "
            + "finite and within ±\(Int(largestMagnitude))"
    }
}
