import Tensors

/// Random encoder inputs, for commands and tests that run an encoder without images.
public enum RandomImages {
    /// x [count, resolution, resolution, 3] uniform in [−1, 1), reproducible from `seed` on every platform
    /// (`SeededRandom.uniform(in:)`).
    public static func uniform(count: Int, resolution: Int, seed: UInt64) throws -> HostTensor {
        guard count >= 0, resolution >= 0 else {
            throw TensorError.invalidData("images [\(count), \(resolution), \(resolution), 3]: negative size")
        }
        // Offset so that a seed's images are not the same stream as its latents or encoder noise.
        var random = SeededRandom(seed: seed &+ 0x1A6E)
        return random.uniformTensor([count, resolution, resolution, 3], in: -1 ..< 1)
    }
}
