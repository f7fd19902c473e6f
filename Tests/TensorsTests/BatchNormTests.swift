import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

/// Batch norm and BigGAN's conditional batch norm (they share `batchnorm.comp`).
@Suite("batchNorm")
struct BatchNormTests {
    /// Vulkan's inversesqrt is within 2 ulp and the CPU's 1/sqrt is correctly rounded; with the γ product and
    /// one multiply-add that is a few ulp of |x − mean|·γ/σ (≤ ~20 here), so 4e-6 absolute + 1e-5 relative
    /// (relative alone fails where β cancels the product), NMSE 1e-11. (lavapipe's rsqrt is exact: 0 measured.)
    static let tolerance = Tolerance(absolute: 4e-6, relative: 1e-5, nmse: 1e-11)

    /// As above plus gain and bias summed over K = 148 terms in fp32 on the GPU (Double on the CPU): each sum is
    /// off by about √K·ulp·|partial sums| ≈ 12·1.2e-7·1 ≈ 1e-6, and the gain error is multiplied by |x̂|, which
    /// reaches ~40 here (x of scale 3 over σ ≥ 0.22), so 5e-5 absolute (measured: 1.1e-5 on lavapipe).
    static let conditionalTolerance = Tolerance(absolute: 5e-5, relative: 1e-5, nmse: 1e-11)

    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        // x [3, 1]: one channel, mean 2, var 1, ε 0 → x − 2.
        let plain = BatchNormParameters(
            mean: try cpu.upload(HostTensor(shape: [1], data: [2])),
            variance: try cpu.upload(HostTensor(shape: [1], data: [1])), epsilon: 0)
        let x = try cpu.upload(HostTensor(shape: [3, 1], data: [1, 2, 3]))
        #expect(try cpu.values(cpu.batchNorm(x, parameters: plain, activation: .none)) == [-1, 0, 1])
        #expect(try cpu.values(cpu.batchNorm(x, parameters: plain, activation: .relu)) == [0, 0, 1])
        // Two channels with γ, β and ε: σ = sqrt(3 + 1) = 2 and sqrt(0 + 1) = 1.
        // (3 − 0)/2·2 + 1 = 4;  (3 − 1)/1·(−1) + 0.5 = −1.5 → relu 0.
        let affine = BatchNormParameters(
            mean: try cpu.upload(HostTensor(shape: [2], data: [0, 1])),
            variance: try cpu.upload(HostTensor(shape: [2], data: [3, 0])),
            scale: try cpu.upload(HostTensor(shape: [2], data: [2, -1])),
            offset: try cpu.upload(HostTensor(shape: [2], data: [1, 0.5])), epsilon: 1)
        let x2 = try cpu.upload(HostTensor(shape: [1, 2], data: [3, 3]))
        #expect(try cpu.values(cpu.batchNorm(x2, parameters: affine, activation: .none)) == [4, -1.5])
        #expect(try cpu.values(cpu.batchNorm(x2, parameters: affine, activation: .relu)) == [4, 0])
    }

    /// A one-hot condition selects one row of Wg and Wb: y = x̂·(1 + Wg[k]) + Wb[k] with k per sample.
    @Test func conditionalReferenceValues() throws {
        let cpu = CPUBackend()
        let p = ConditionalBatchNormParameters(
            mean: try cpu.upload(HostTensor(shape: [2], data: [0, 0])),
            variance: try cpu.upload(HostTensor(shape: [2], data: [1, 1])),
            gainWeight: try cpu.upload(HostTensor(shape: [3, 2], data: [0.5, 1, -1, 2, 3, -0.5])),
            biasWeight: try cpu.upload(HostTensor(shape: [3, 2], data: [10, 20, 30, 40, 50, 60])), epsilon: 0)
        let condition = try cpu.upload(HostTensor(shape: [2, 3], data: [0, 1, 0, 0, 0, 1]))  // rows 1 and 2
        let x = try cpu.upload(HostTensor(shape: [2, 1, 1, 2], data: [1, 2, 3, 4]))
        // Sample 0, row 1: gain [0, 3], bias [30, 40] → [1·0 + 30, 2·3 + 40].
        // Sample 1, row 2: gain [4, 0.5], bias [50, 60] → [3·4 + 50, 4·0.5 + 60].
        let y = try cpu.conditionalBatchNorm(x, condition: condition, parameters: p, activation: .none)
        #expect(y.shape == [2, 1, 1, 2])
        #expect(try cpu.values(y) == [30, 46, 62, 62])
    }

    @Test(arguments: [Activation.none, .relu])
    func parity(activation: Activation) throws {
        var rng = SeededRandom(seed: activation == .relu ? 11 : 12)
        // C % 4 == 0 runs the vec4 variant.
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [1, 1, 1, 1], [2, 5, 3, 8], [3, 12]] {
            let c = shape.channels
            let inputs = [
                rng.normalTensor(shape, standardDeviation: 3), rng.normalTensor([c]),
                rng.uniformTensor([c], in: 0.05 ..< 2),
                rng.normalTensor([c], standardDeviation: 2), rng.normalTensor([c]),
            ]
            for affine in [false, true] {
                try expectParity(inputs, Self.tolerance, "\(shape) affine \(affine) \(activation)") { b, t in
                    let p = BatchNormParameters(
                        mean: t[1], variance: t[2], scale: affine ? t[3] : nil,
                        offset: affine ? t[4] : nil, epsilon: 1e-3)
                    return try b.batchNorm(t[0], parameters: p, activation: activation)
                }
            }
        }
    }

    /// Only γ or only β: the absent one must act as 1 or 0, not read the placeholder buffer.
    @Test func parityWithScaleOrOffsetOnly() throws {
        var rng = SeededRandom(seed: 13)
        let shape: Shape = [2, 3, 5, 6]
        let inputs = [
            rng.normalTensor(shape), rng.normalTensor([6]), rng.uniformTensor([6], in: 0.1 ..< 2),
            rng.normalTensor([6], standardDeviation: 2),
        ]
        for scaleOnly in [false, true] {
            try expectParity(inputs, Self.tolerance, "scale only \(scaleOnly)") { b, t in
                let p = BatchNormParameters(
                    mean: t[1], variance: t[2], scale: scaleOnly ? t[3] : nil,
                    offset: scaleOnly ? nil : t[3], epsilon: 1e-5)
                return try b.batchNorm(t[0], parameters: p, activation: .none)
            }
        }
    }

    @Test(arguments: [Activation.none, .relu])
    func conditionalParity(activation: Activation) throws {
        var rng = SeededRandom(seed: activation == .relu ? 21 : 22)
        for (shape, k): (Shape, Int) in [
            ([2, 5, 7, 13], 148), ([1, 3, 3, 6], 148), ([3, 17], 5), ([1, 1], 1), ([3, 2, 5, 12], 20),
        ] {
            let c = shape.channels
            let n = shape.batch
            let inputs = [
                rng.normalTensor(shape, standardDeviation: 3), rng.normalTensor([n, k]), rng.normalTensor([c]),
                rng.uniformTensor([c], in: 0.05 ..< 2),
                rng.normalTensor([k, c], standardDeviation: 0.1), rng.normalTensor([k, c], standardDeviation: 0.1),
            ]
            try expectParity(inputs, Self.conditionalTolerance, "\(shape) K \(k) \(activation)") { b, t in
                let p = ConditionalBatchNormParameters(
                    mean: t[2], variance: t[3], gainWeight: t[4], biasWeight: t[5], epsilon: 1e-4)
                return try b.conditionalBatchNorm(t[0], condition: t[1], parameters: p, activation: activation)
            }
        }
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB binding range: the split's second chunk starts at sample 2, so the
    /// per-sample gain and bias must be indexed from the chunk's first sample.
    @Test func conditionalSplitByBatchUsesEachSamplesAffine() throws {
        let shape: Shape = [3, 3_000_000, 4]
        let x = try HostTensor(shape: shape, data: (0 ..< shape.count).map { Float($0 % 7) - 3 })
        let condition = try HostTensor(shape: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let mean = try HostTensor(shape: [4], data: [0, 1, -1, 0.5])
        let variance = try HostTensor(shape: [4], data: [1, 4, 0.25, 1])
        let gain = try HostTensor(shape: [3, 4], data: (0 ..< 12).map { Float($0) * 0.25 - 1 })
        let bias = try HostTensor(shape: [3, 4], data: (0 ..< 12).map { Float($0) - 6 })
        try expectParity([x, condition, mean, variance, gain, bias], Self.conditionalTolerance, "split") { b, t in
            let p = ConditionalBatchNormParameters(
                mean: t[2], variance: t[3], gainWeight: t[4], biasWeight: t[5], epsilon: 0)
            return try b.conditionalBatchNorm(t[0], condition: t[1], parameters: p, activation: .none)
        }
    }

    @Test func rejectsBadShapesAndParameters() throws {
        let cpu = CPUBackend()
        let gpu = try TestDevice.vulkan()
        for b in [cpu, gpu] as [any Backend] {
            let t = { (shape: Shape) in try b.upload(HostTensor(zeros: shape)) }
            let x = try t([2, 3, 3, 4])
            let c4 = try t([4])
            let c3 = try t([3])
            #expect(throws: TensorError.self) {
                try b.batchNorm(x, parameters: .init(mean: c3, variance: c4, epsilon: 0), activation: .none)
            }
            #expect(throws: TensorError.self) {
                try b.batchNorm(x, parameters: .init(mean: c4, variance: c4, scale: c3, epsilon: 0), activation: .none)
            }
            #expect(throws: TensorError.self) {
                try b.batchNorm(x, parameters: .init(mean: c4, variance: c4, epsilon: -1), activation: .none)
            }
            #expect(throws: TensorError.self) {
                try b.batchNorm(
                    t([4]), parameters: .init(mean: t([1]), variance: t([1]), epsilon: 0), activation: .none)
            }

            let good = ConditionalBatchNormParameters(
                mean: c4, variance: c4, gainWeight: try t([5, 4]), biasWeight: try t([5, 4]), epsilon: 0)
            #expect(throws: Never.self) {
                try b.conditionalBatchNorm(x, condition: t([2, 5]), parameters: good, activation: .none)
            }
            #expect(throws: TensorError.self) {
                try b.conditionalBatchNorm(x, condition: t([3, 5]), parameters: good, activation: .none)
            }
            #expect(throws: TensorError.self) {
                try b.conditionalBatchNorm(x, condition: t([2, 6]), parameters: good, activation: .none)
            }
            var bad = good
            bad.biasWeight = try t([5, 3])
            #expect(throws: TensorError.self) {
                try b.conditionalBatchNorm(x, condition: t([2, 5]), parameters: bad, activation: .none)
            }
            bad = good
            bad.variance = c3
            #expect(throws: TensorError.self) {
                try b.conditionalBatchNorm(x, condition: t([2, 5]), parameters: bad, activation: .none)
            }
        }
        // Parameters from the other backend.
        let foreign = try cpu.upload(HostTensor(zeros: [4]))
        let x = try gpu.upload(HostTensor(zeros: [1, 4]))
        #expect(throws: TensorError.self) {
            try gpu.batchNorm(x, parameters: .init(mean: foreign, variance: foreign, epsilon: 0), activation: .none)
        }
    }
}
