import Tensors

/// Inputs the TensorFlow fixture writers compute the same way (tools/fixtures/make_graph_fixtures.py).
public enum FixtureImages {
    /// `pattern_images`: x[n,i,j,c] = (((i + 2j + 85c + 128n) mod 256) − 127.5) / 128 at 256×256, exact in float32.
    public static func pattern(count: Int) throws -> HostTensor {
        var data: [Float] = []
        data.reserveCapacity(count * 256 * 256 * 3)
        for n in 0 ..< count {
            for i in 0 ..< 256 {
                for j in 0 ..< 256 {
                    for c in 0 ..< 3 { data.append((Float((i + 2 * j + 85 * c + 128 * n) % 256) - 127.5) / 128) }
                }
            }
        }
        return try HostTensor(shape: [count, 256, 256, 3], data: data)
    }
}
