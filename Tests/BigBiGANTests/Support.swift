import BigBiGAN
import Foundation
import Tensors
@testable import TensorsVulkan
import VulkanCompute

/// Records every weight a model asks for, delegating values to another source.
final class RecordingWeights: WeightSource {
    let base: any WeightSource
    private(set) var requests: [(name: String, shape: Shape, role: WeightRole)] = []

    init(_ base: any WeightSource = ZeroWeights()) { self.base = base }

    var description: String { "recording(\(base.description))" }

    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        requests.append((name, shape, role))
        return try base.load(name, shape: shape, role: role)
    }
}

/// A source that drops some names and changes the shape of others, to test error reporting.
struct DamagedWeights: WeightSource {
    let base: any WeightSource
    let missing: Set<String>
    let reshaped: Set<String>
    var description: String { "damaged weights" }

    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        if missing.contains(name) { throw TensorError.invalidData("no tensor named \(name)") }
        if reshaped.contains(name) { return HostTensor(zeros: Shape(shape.dims + [2])) }
        return try base.load(name, shape: shape, role: role)
    }
}

/// Latents from N(0, 1) with a seed.
func latents(_ n: Int, _ dim: Int = 120, seed: UInt64) -> HostTensor {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    var values: [Float] = []
    while values.count < n * dim {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let u1 = (Double(state >> 11) + 1) * 0x1p-53
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let u2 = Double(state >> 11) * 0x1p-53
        values.append(Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)))
    }
    return try! HostTensor(shape: [n, dim], data: values)
}

/// Deterministic images in [-1, 1] (a 64-bit LCG's top bits).
func images(_ n: Int, _ r: Int, seed: UInt64) throws -> HostTensor {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    let data = (0 ..< n * r * r * 3).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 23) - 1
    }
    return try HostTensor(shape: [n, r, r, 3], data: data)
}

/// max |a−b|, max |a−b|/|b| over |b| > floor, and Σ(a−b)²/Σb².
/// Runs an encoder with synthetic weights on the CPU reference and on `gpu` and returns each output's errors by name.
func encoderOutputErrors(_ config: EncoderConfig, batch: Int, seed: UInt64, gpu: VulkanBackend) throws
    -> [(name: String, maxAbs: Float, maxRel: Float, nmse: Double)] {
    let x = try images(batch, config.resolution, seed: seed)
    let cpu = CPUBackend()
    let expected = try Encoder(config: config, weights: SyntheticWeights(seed: seed), backend: cpu)(cpu.upload(x), noiseSeed: seed)
    let actual = try Encoder(config: config, weights: SyntheticWeights(seed: seed), backend: gpu)(gpu.upload(x), noiseSeed: seed)
    return try [("avepool_feat", actual.avepoolFeat, expected.avepoolFeat), ("bn_crelu_feat", actual.bnCreluFeat, expected.bnCreluFeat),
                ("z_mean", actual.zMean, expected.zMean), ("z_stdev", actual.zStdev, expected.zStdev),
                ("z_sample", actual.zSample, expected.zSample)].map { name, a, e in
        let err = try errors(gpu.download(a).data, cpu.download(e).data)
        return (name, err.maxAbs, err.maxRel, err.nmse)
    }
}

func errors(_ a: [Float], _ b: [Float], floor: Float = 1e-3) -> (maxAbs: Float, maxRel: Float, nmse: Double) {
    var maxAbs: Float = 0, maxRel: Float = 0, num = 0.0, den = 0.0
    for i in b.indices {
        let d = abs(a[i] - b[i])
        maxAbs = max(maxAbs, d.isNaN ? .infinity : d)
        if abs(b[i]) > floor { maxRel = max(maxRel, d / abs(b[i])) }
        num += Double(d) * Double(d); den += Double(b[i]) * Double(b[i])
    }
    return (maxAbs, maxRel, den > 0 ? num / den : num)
}

/// All-zero weights of the requested shapes: fast, for tests that only look at names and shapes.
struct ZeroWeights: WeightSource {
    var description: String { "zeros" }
    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor { HostTensor(zeros: shape) }
}
