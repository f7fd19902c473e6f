import Foundation

extension CPUBackend {
    /// Per query row: the scores, their max, exp(score − max), the sum (in Double) and the weighted sum of the
    /// value rows, in the same fp32 operations and order as `matmul(softmax(matmul(q, k, transposeB)), v)`.
    public func attention(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor {
        let op = "attention"
        let g = try Attention.geometry(query: query.shape, key: key.shape, value: value.shape)
        let q = try data(query, op)
        let k = try data(key, op)
        let v = try data(value, op)
        let (lq, lk, d, dv) = (g.queries, g.keys, g.depth, g.valueWidth)
        return make(g.outputShape) { y in
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(g.batch * lq) { row in
                let item = row / lq
                let qBase = row * d
                let kBase = item * lk * d
                let vBase = item * lk * dv
                let outBase = row * dv
                var weights = [Float](repeating: 0, count: lk)
                var m = -Float.greatestFiniteMagnitude
                for j in 0 ..< lk {
                    var score: Float = 0
                    for i in 0 ..< d { score += q[qBase + i] * k[kBase + j * d + i] }
                    weights[j] = score
                    m = max(m, score)
                }
                var sum = 0.0
                for j in 0 ..< lk {
                    weights[j] = exp(weights[j] - m)
                    sum += Double(weights[j])
                }
                let inverse = Float(1 / sum)
                for c in 0 ..< dv { out.value[outBase + c] = 0 }
                for j in 0 ..< lk {
                    let w = weights[j] * inverse
                    let vRow = vBase + j * dv
                    for c in 0 ..< dv { out.value[outBase + c] += w * v[vRow + c] }
                }
            }
        }
    }
}
