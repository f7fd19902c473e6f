/// Mean over H and W: [N,H,W,C] → [N,C].
public enum GlobalAveragePool {
    public static func outputShape(_ x: Shape) throws -> Shape {
        let (n, h, w, c) = try x.nhwc("globalAveragePool")
        guard h * w > 0 else { throw TensorError.shapeMismatch(op: "globalAveragePool", "empty spatial extent \(x)") }
        return [n, c]
    }
}
