/// Nearest-neighbour 2× upsampling: y[n, i, j, c] = x[n, i/2, j/2, c].
public enum UpsampleNearest {
    public static func outputShape(_ x: Shape) throws -> Shape {
        let (n, h, w, c) = try x.nhwc("upsampleNearest2x")
        return [n, 2 * h, 2 * w, c]
    }
}
