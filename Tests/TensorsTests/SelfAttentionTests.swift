import Foundation
import Tensors
import Testing

@Suite("self-attention")
struct SelfAttentionTests {
    /// The composed block on the CPU backend against a direct, loop-by-loop transcription of the SAGAN
    /// formulas in Double. Tolerance: fp32 vs fp64 through two 1×1 convs, two products and a softmax;
    /// values are O(1), so 1e-5 absolute is about 100 ulp of headroom.
    @Test func referenceMatchesDirectFormula() throws {
        var rng = SeededRandom(seed: 21)
        let (n, h, w, c) = (2, 4, 6, 16)
        let x = rng.normalTensor([n, h, w, c])
        let wt = rng.normalTensor([1, 1, c, 2], standardDeviation: 0.5)
        let wp = rng.normalTensor([1, 1, c, 2], standardDeviation: 0.5)
        let wg = rng.normalTensor([1, 1, c, 8], standardDeviation: 0.5)
        let wo = rng.normalTensor([1, 1, 8, c], standardDeviation: 0.5)
        let gamma: Float = 0.7
        let cpu = CPUBackend()
        let weights = SelfAttentionWeights(
            theta: try cpu.upload(wt), phi: try cpu.upload(wp), g: try cpu.upload(wg), o: try cpu.upload(wo),
            gamma: gamma)
        let actual = try cpu.download(cpu.selfAttention(cpu.upload(x), weights: weights))
        let expected = directAttention(x, wt, wp, wg, wo, gamma, n: n, h: h, w: w, c: c)
        expectClose(actual, expected, Tolerance(absolute: 1e-5, relative: 1e-5, nmse: 1e-11), "direct formula")
    }

    /// Vulkan against the CPU reference, including BigGAN's 64×64 layout shape at reduced channels and batch
    /// 2. Tolerance: the GEMMs sum up to C and HW/4 terms in another order (relative ~1e-6), then softmax.
    @Test(arguments: [(1, 4, 4, 8), (2, 6, 10, 16), (1, 16, 16, 24), (2, 8, 8, 40)])
    func parity(n: Int, h: Int, w: Int, c: Int) throws {
        var rng = SeededRandom(seed: UInt64(n * 1000 + h * 10 + c))
        let inputs = [
            rng.normalTensor([n, h, w, c]), rng.normalTensor([1, 1, c, c / 8], standardDeviation: 0.4),
            rng.normalTensor([1, 1, c, c / 8], standardDeviation: 0.4),
            rng.normalTensor([1, 1, c, c / 2], standardDeviation: 0.4),
            rng.normalTensor([1, 1, c / 2, c], standardDeviation: 0.4),
        ]
        try expectParity(
            inputs, Tolerance(absolute: 2e-5, relative: 1e-4, nmse: 1e-10), "attention \(n)×\(h)×\(w)×\(c)"
        ) { b, t in
            try b.selfAttention(
                t[0], weights: SelfAttentionWeights(theta: t[1], phi: t[2], g: t[3], o: t[4], gamma: 0.9))
        }
    }

    @Test func rejectsOddSizesAndWrongWeights() throws {
        let cpu = CPUBackend()
        let weights = SelfAttentionWeights(
            theta: try cpu.upload(HostTensor(zeros: [1, 1, 8, 1])),
            phi: try cpu.upload(HostTensor(zeros: [1, 1, 8, 1])),
            g: try cpu.upload(HostTensor(zeros: [1, 1, 8, 4])), o: try cpu.upload(HostTensor(zeros: [1, 1, 4, 8])),
            gamma: 1)
        #expect(throws: TensorError.self) {
            try cpu.selfAttention(cpu.upload(HostTensor(zeros: [1, 3, 4, 8])), weights: weights)
        }
        #expect(throws: TensorError.self) {
            try cpu.selfAttention(cpu.upload(HostTensor(zeros: [1, 4, 4, 16])), weights: weights)
        }
    }

    private func directAttention(
        _ x: HostTensor, _ wt: HostTensor, _ wp: HostTensor, _ wg: HostTensor, _ wo: HostTensor, _ gamma: Float,
        n: Int, h: Int, w: Int, c: Int
    ) -> HostTensor {
        let k = wt.shape.channels
        let v = wg.shape.channels
        let hw = h * w
        let pooled = hw / 4
        func project(_ weight: HostTensor, _ out: Int) -> [[Double]] {  // [n*hw][out]
            (0 ..< n * hw).map { p in
                (0 ..< out).map { o in
                    (0 ..< c).reduce(0.0) { $0 + Double(x.data[p * c + $1]) * Double(weight.data[$1 * out + o]) }
                }
            }
        }
        func pool(_ f: [[Double]], _ out: Int) -> [[Double]] {  // max 2×2 → [n*pooled][out]
            var result: [[Double]] = []
            for b in 0 ..< n {
                for i in 0 ..< h / 2 {
                    for j in 0 ..< w / 2 {
                        result.append(
                            (0 ..< out).map { o in
                                [(0, 0), (0, 1), (1, 0), (1, 1)].map {
                                    f[b * hw + (2 * i + $0.0) * w + 2 * j + $0.1][o]
                                }.max()!
                            })
                    }
                }
            }
            return result
        }
        let theta = project(wt, k)
        let phi = pool(project(wp, k), k)
        let g = pool(project(wg, v), v)
        var out = x.data
        for b in 0 ..< n {
            for q in 0 ..< hw {
                let logits = (0 ..< pooled).map { key in
                    (0 ..< k).reduce(0.0) { $0 + theta[b * hw + q][$1] * phi[b * pooled + key][$1] }
                }
                let m = logits.max()!
                let e = logits.map { exp($0 - m) }
                let total = e.reduce(0, +)
                let attended = (0 ..< v).map { ch in
                    (0 ..< pooled).reduce(0.0) { $0 + e[$1] / total * g[b * pooled + $1][ch] }
                }
                for ch in 0 ..< c {
                    let o = (0 ..< v).reduce(0.0) { $0 + attended[$1] * Double(wo.data[$1 * c + ch]) }
                    out[(b * hw + q) * c + ch] += Float(Double(gamma) * o)
                }
            }
        }
        return try! HostTensor(shape: x.shape, data: out)
    }
}
