/// Shape rules of unscaled dot-product attention, `softmax(q kᵀ) v` per batch item with the softmax over the keys:
/// query [N, Lq, D], key [N, Lk, D], value [N, Lk, Dv] → [N, Lq, Dv]. There is no 1/√D factor (BigGAN's
/// self-attention does not scale), so the op equals `matmul(softmax(matmul(q, k, transposeB)), v)`.
public enum Attention {
    public struct Geometry: Sendable, Equatable {
        public let batch: Int
        /// Query rows (Lq), keys (Lk), query/key width (D) and value width (Dv).
        public let queries, keys, depth, valueWidth: Int
        public var outputShape: Shape { [batch, queries, valueWidth] }
        /// Multiply-adds counted twice: the scores (Lq·Lk·D) and the weighted sum (Lq·Lk·Dv) of every item.
        public var flops: Double { 2 * Double(batch) * Double(queries) * Double(keys) * Double(depth + valueWidth) }
    }

    public static func geometry(query: Shape, key: Shape, value: Shape) throws -> Geometry {
        let op = "attention"
        for (name, shape) in [("query", query), ("key", key), ("value", value)] where shape.rank != 3 {
            throw TensorError.shapeMismatch(op: op, "\(name) must be rank 3 [N, L, D], got \(shape)")
        }
        guard key[0] == query[0], value[0] == query[0] else {
            throw TensorError.shapeMismatch(op: op, "batch of query \(query), key \(key) and value \(value) differ")
        }
        guard key[2] == query[2] else {
            throw TensorError.shapeMismatch(op: op, "query \(query) and key \(key) differ in width")
        }
        guard value[1] == key[1] else {
            throw TensorError.shapeMismatch(op: op, "key \(key) and value \(value) differ in length")
        }
        guard key[1] >= 1 else { throw TensorError.unsupported(op: op, "softmax over no keys: key is \(key)") }
        guard query[2] >= 1 else { throw TensorError.unsupported(op: op, "empty query/key width: query is \(query)") }
        return Geometry(batch: query[0], queries: query[1], keys: key[1], depth: query[2], valueWidth: value[2])
    }
}
