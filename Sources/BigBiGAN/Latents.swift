import Tensors

/// Latent vectors for the generator.
public enum Latents {
    /// z [count, dimension] ~ N(0, I), reproducible from `seed` on every platform (`SeededRandom.normal()`).
    public static func normal(count: Int, dimension: Int, seed: UInt64) throws -> HostTensor {
        guard count >= 0, dimension >= 0 else {
            throw TensorError.invalidData("latents [\(count), \(dimension)]: negative size")
        }
        // Offset so that a seed's latents are not the same stream as its encoder noise (`Encoder.noise`).
        var random = SeededRandom(seed: seed &+ 0x5EED)
        return random.normalTensor([count, dimension])
    }
}
