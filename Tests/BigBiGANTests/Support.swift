import BigBiGAN
import Tensors
import VulkanCompute

@testable import TensorsVulkan

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

/// Runs an encoder with calibrated synthetic weights on the CPU reference and on `gpu` and returns each output's
/// errors by name.
func encoderOutputErrors(_ config: EncoderConfig, batch: Int, seed: UInt64, gpu: VulkanBackend) throws
    -> [(name: String, errors: ErrorStatistics)]
{
    let x = try RandomImages.uniform(count: batch, resolution: config.resolution, seed: seed)
    let weights = try SyntheticWeights(seed: seed).calibrated(for: config)
    let cpu = CPUBackend()
    let expected = try Encoder(config: config, weights: weights, backend: cpu)(cpu.upload(x), noiseSeed: seed)
    let actual = try Encoder(config: config, weights: weights, backend: gpu)(gpu.upload(x), noiseSeed: seed)
    return try [
        ("avepool_feat", actual.avepoolFeat, expected.avepoolFeat),
        ("bn_crelu_feat", actual.bnCreluFeat, expected.bnCreluFeat),
        ("z_mean", actual.zMean, expected.zMean), ("z_stdev", actual.zStdev, expected.zStdev),
        ("z_sample", actual.zSample, expected.zSample),
    ].map { name, a, e in
        (name, ErrorStatistics(actual: try gpu.download(a).data, expected: try cpu.download(e).data))
    }
}

/// All-zero weights of the requested shapes: fast, for tests that only look at names and shapes.
struct ZeroWeights: WeightSource {
    var description: String { "zeros" }
    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor { HostTensor(zeros: shape) }
}
