import Tensors

/// Latent vectors for the generator.
public enum Latents {
    /// z [count, dimension] ~ N(0, I), reproducible from `seed` on every platform.
    public static func normal(count: Int, dimension: Int, seed: UInt64) throws -> HostTensor {
        var rng = NormalGenerator(seed: seed &+ 0x5EED)
        return try HostTensor(shape: [count, dimension], data: (0 ..< count * dimension).map { _ in rng.next() })
    }
}
