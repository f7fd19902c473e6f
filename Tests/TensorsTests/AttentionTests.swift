import Foundation
import TestSupport
import Testing

@testable import Tensors
@testable import TensorsVulkan

@Suite("attention")
struct AttentionTests {
    private func cpuAttention(_ q: HostTensor, _ k: HostTensor, _ v: HostTensor) throws -> HostTensor {
        let cpu = CPUBackend()
        return try cpu.download(cpu.attention(query: cpu.upload(q), key: cpu.upload(k), value: cpu.upload(v)))
    }

    @Test func referenceValues() throws {
        // Query 0 scores both keys 0 (weights ½, ½); query 1 scores them 0 and ln 3 (weights ¼, ¾).
        let q = try HostTensor(shape: [1, 2, 1], data: [0, 1])
        let k = try HostTensor(shape: [1, 2, 1], data: [0, Float(log(3.0))])
        let v = try HostTensor(shape: [1, 2, 2], data: [1, 2, 3, -4])
        let y = try cpuAttention(q, k, v)
        #expect(y.shape == [1, 2, 2])
        for (actual, expected) in zip(y.data, [2, -1, 2.5, -2.5] as [Float]) { #expect(abs(actual - expected) < 1e-6) }
        // Scores ±1000 stay finite (the max is subtracted): weights 1/(1 + e⁻¹), 0, e⁻¹/(1 + e⁻¹).
        let big = try cpuAttention(
            HostTensor(shape: [1, 1, 1], data: [1]), HostTensor(shape: [1, 3, 1], data: [1000, -1000, 999]),
            HostTensor(shape: [1, 3, 1], data: [1, 5, 0]))
        #expect(abs(big.data[0] - Float(1 / (1 + exp(-1.0)))) < 1e-6)
        // Batch items attend only to their own keys.
        let batched = try cpuAttention(
            HostTensor(shape: [2, 1, 1], data: [0, 0]), HostTensor(shape: [2, 1, 1], data: [5, -5]),
            HostTensor(shape: [2, 1, 1], data: [7, -7]))
        #expect(batched.data == [7, -7])
    }

    /// The fused reference performs the composition's fp32 operations in the same order (dot products summed over
    /// D, the softmax's max, exp, Double sum and reciprocal, the weighted sum accumulated key by key), so it must
    /// agree bit for bit: the generator's CPU output did not change when self-attention switched to the fused op.
    @Test func referenceEqualsComposition() throws {
        var rng = SeededRandom(seed: 201)
        for (n, lq, lk, d, dv) in [(1, 1, 1, 1, 1), (2, 13, 9, 4, 6), (3, 64, 16, 8, 32), (1, 37, 50, 7, 5)] {
            let (q, k, v) = (
                rng.normalTensor([n, lq, d], standardDeviation: 3), rng.normalTensor([n, lk, d]),
                rng.normalTensor([n, lk, dv])
            )
            let cpu = CPUBackend()
            let (tq, tk, tv) = (try cpu.upload(q), try cpu.upload(k), try cpu.upload(v))
            let composed = try cpu.matmul(
                cpu.softmax(cpu.matmul(tq, tk, bias: nil, options: MatMulOptions(transposeB: true))), tv,
                bias: nil, options: MatMulOptions())
            let fused = try cpu.attention(query: tq, key: tk, value: tv)
            #expect(try cpu.values(fused) == cpu.values(composed), "\(n)×\(lq)×\(lk)×\(d)→\(dv)")
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int, queries: Int, keys: Int, depth: Int, valueWidth: Int
        /// Standard deviation of the scores: 1 for a soft softmax; 20 puts most scores within ±50, so a few keys
        /// dominate each row and the running max must be subtracted (exp(50) alone is 5e21).
        var scoreScale: Float
        var testDescription: String { "\(batch)×\(queries)×\(keys) D \(depth) Dv \(valueWidth) σ \(scoreScale)" }

        /// q with N(0, σ²/D) and k with N(0, 1) entries, so the scores have standard deviation σ; v is N(0, 1).
        func inputs(_ rng: inout SeededRandom) -> [HostTensor] {
            [
                rng.normalTensor([batch, queries, depth], standardDeviation: scoreScale / Float(depth).squareRoot()),
                rng.normalTensor([batch, keys, depth]),
                rng.normalTensor([batch, keys, valueWidth]),
            ]
        }
    }

    static let cases: [Case] = [
        Case(batch: 1, queries: 1, keys: 1, depth: 1, valueWidth: 1, scoreScale: 1),
        Case(batch: 1, queries: 37, keys: 19, depth: 3, valueWidth: 5, scoreScale: 1),
        Case(batch: 3, queries: 70, keys: 33, depth: 7, valueWidth: 13, scoreScale: 20),
        // ALIGNED, model-like D and Dv
        Case(batch: 3, queries: 129, keys: 257, depth: 8, valueWidth: 32, scoreScale: 20),
        Case(batch: 1, queries: 45, keys: 300, depth: 5, valueWidth: 41, scoreScale: 20),  // several value blocks
        // ALIGNED, a partial last block
        Case(batch: 1, queries: 300, keys: 100, depth: 8, valueWidth: 36, scoreScale: 1),
        // query wider than the registers
        Case(batch: 2, queries: 9, keys: 11, depth: 70, valueWidth: 6, scoreScale: 20),
        Case(batch: 1, queries: 20, keys: 30, depth: 72, valueWidth: 12, scoreScale: 1),  // the same, ALIGNED
        // the generator ch 32's D, Dv and Lk
        Case(batch: 1, queries: 1000, keys: 1024, depth: 8, valueWidth: 32, scoreScale: 20),
    ]

    /// Parity tolerance, from the inputs: S = the largest Σᵢ|qᵢkᵢ| over query–key pairs, V = max |v|, ε = ulp/2.
    /// - Scores: D-term fp32 dot products summed in different orders (CPU sequentially, GPU by vec4), each within
    ///   D·ε·S of exact, so they differ by ≤ 2·D·ε·S: each weight exp(s − m) by that much relatively.
    /// - exp: the CPU's is within 1 ulp, Vulkan's within 3 + 2·|x| ulp (x = s − m ≤ 0). Weighted by the softmax this
    ///   averages to ≤ 3 + 2·ln Lk ulp, since the weighted mean of m − s is at most the softmax's entropy (≤ ln Lk).
    /// - A relative error r of the weights moves the output by ≤ 2·r·V (through the numerator and the sum).
    /// - The weighted sum and the sum of weights: Lk-term fp32 sums of convex weights, ≤ Lk·ε·V on each side; this also
    ///   covers the GPU's online rescalings (each one more rounding of the running terms).
    /// Together abs = V·(2·(2·D·ε·S + (4 + 2·ln Lk)·ulp) + 2·Lk·ε), no relative term: a worst case, 85–2000× the errors
    /// measured on lavapipe (max abs 2.1e-5 at Lk = 1024 with score deviation 20). NMSE 1e-10: measured ≤ 9e-13, since
    /// rounding errors of random sign stay far below the worst case; over 100× margin.
    static func tolerance(_ q: HostTensor, _ k: HostTensor, _ v: HostTensor) -> Tolerance {
        let (n, lq, lk, d) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
        var s: Float = 0
        for item in 0 ..< n {
            for row in 0 ..< lq {
                for key in 0 ..< lk {
                    var sum: Float = 0
                    for i in 0 ..< d {
                        sum += abs(q.data[(item * lq + row) * d + i] * k.data[(item * lk + key) * d + i])
                    }
                    s = max(s, sum)
                }
            }
        }
        let valueMax = v.data.map(abs).max() ?? 0
        let eps = Float.ulpOfOne / 2
        let ulp = Float.ulpOfOne
        let absolute = valueMax * (2 * (2 * Float(d) * eps * s + (4 + 2 * log(Float(lk))) * ulp) + 2 * Float(lk) * eps)
        return Tolerance(absolute: absolute, relative: 0, nmse: 1e-10)
    }

    /// Both work splits run on any device: the CPU one (16 rows per invocation, rescaling at every key) and the
    /// GPU one (one row per invocation, rescaling only at a new maximum).
    @Test(arguments: cases, AttentionTiling.Profile.allCases)
    func parity(c: Case, profile: AttentionTiling.Profile) throws {
        var rng = SeededRandom(seed: UInt64(c.queries * 1000 + c.keys * 10 + c.depth))
        let inputs = c.inputs(&rng)
        try expectParity(
            inputs, Self.tolerance(inputs[0], inputs[1], inputs[2]), "\(c.testDescription) \(profile)",
            configure: { $0.attentionProfile = profile }
        ) { b, t in
            try b.attention(query: t[0], key: t[1], value: t[2])
        }
    }

    /// Every key a new maximum (scores rising by 0.1 per key): the online softmax rescales at each of 500 keys.
    @Test(arguments: AttentionTiling.Profile.allCases)
    func risingScoresRescaleAtEveryKey(profile: AttentionTiling.Profile) throws {
        let lk = 500
        var rng = SeededRandom(seed: 202)
        let q = rng.uniformTensor([2, 40, 1], in: 0.5 ..< 1.5)
        let k = try HostTensor(shape: [2, lk, 1], data: (0 ..< 2 * lk).map { Float($0 % lk) * 0.1 - 25 })
        let v = rng.normalTensor([2, lk, 3])
        try expectParity(
            [q, k, v], Self.tolerance(q, k, v), "rising scores \(profile)", configure: { $0.attentionProfile = profile }
        ) { b, t in
            try b.attention(query: t[0], key: t[1], value: t[2])
        }
    }

    @Test func rejectsBadShapes() throws {
        let bad: [(Shape, Shape, Shape)] = [
            ([2, 3], [2, 3], [2, 3]),  // not rank 3
            ([2, 3, 4], [1, 5, 4], [1, 5, 6]),  // batches differ
            ([1, 3, 4], [1, 5, 2], [1, 5, 6]),  // query and key widths differ
            ([1, 3, 4], [1, 5, 4], [1, 4, 6]),  // key and value lengths differ
            ([1, 3, 4], [1, 0, 4], [1, 0, 6]),  // no keys
            ([1, 3, 0], [1, 5, 0], [1, 5, 6]),  // empty width
        ]
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            for (q, k, v) in bad {
                #expect(throws: TensorError.self, "\(b.name) \(q) \(k) \(v)") {
                    try b.attention(
                        query: b.upload(HostTensor(zeros: q)), key: b.upload(HostTensor(zeros: k)),
                        value: b.upload(HostTensor(zeros: v)))
                }
            }
        }
    }
}
