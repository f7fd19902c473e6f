import BigBiGANIO
import Foundation
import Tensors
import Testing

@testable import GraphEngine

/// The graph engine on `Tests/Fixtures/bigbigan-graph`, a TF1 Hub module that the native models cannot describe
/// (see its README): in-graph spectral norm, a bilinear `upsampled`, an encoder with another stride placement,
/// padding, ε and input resize, and a discriminator; its `{"train"}` meta graph comes first and computes something
/// else. Every signature must give TensorFlow's outputs on the CPU reference and on the Vulkan device.
///
/// Tolerance: the same products summed in another order by TF's kernels and ours, through ≤ 20 convolutions and
/// linears; fp32 noise is about 1e-5 of each output's range. Each output must be within 1e-4 of its range and
/// NMSE ≤ 1e-9 (measured at most 7.9e-6 of the range: docs/graph-engine.md, Accuracy).
@Suite("graph engine: TensorFlow-written module")
struct GraphModuleTests {
    static let name = "bigbigan-graph"

    static func check(_ actual: HostTensor, _ expected: HostTensor, _ label: String) {
        guard actual.shape == expected.shape else {
            Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)")
            return
        }
        let e = ErrorStatistics(actual: actual.data, expected: expected.data)
        let range = Double((expected.data.max() ?? 0) - (expected.data.min() ?? 0))
        #expect(Double(e.maxAbsolute) <= 1e-4 * max(range, 1e-6) && e.nmse <= 1e-9, "\(label): \(e), range \(range)")
    }

    static func run(
        _ signature: String, _ feeds: [String: HostTensor], on backend: any Backend, noiseSeed: UInt64 = 0
    ) throws -> [String: HostTensor] {
        let program = try GraphProgram(
            module: GraphModule(url: Fixtures.module(name)), signature: signature, backend: backend)
        let outputs = try program.run(feeds.mapValues { try backend.upload($0) }, noiseSeed: noiseSeed)
        return try outputs.mapValues { try backend.download($0) }
    }

    @Test(arguments: ["cpu", "vulkan"])
    func generate(_ device: String) throws {
        let outputs = try Self.run("generate", ["z": Fixtures.golden(Self.name, "z")], on: Fixtures.backend(device))
        for key in ["default", "upsampled"] {
            Self.check(
                try #require(outputs[key]), try Fixtures.golden(Self.name, "generate.\(key)"), "\(device) \(key)")
        }
    }

    /// Every deterministic output against TensorFlow; `z_sample` through ε = (z_sample − z_mean) / z_stdev, which must
    /// be the engine's documented noise (`SeededRandom(seed:)` normals in row-major order, as the native encoder
    /// draws) and, over 240 values, plausibly standard normal.
    @Test(arguments: ["cpu", "vulkan"])
    func encode(_ device: String) throws {
        let x = try Fixtures.golden(Self.name, "generate.upsampled")
        let outputs = try Self.run("encode", ["x": x], on: Fixtures.backend(device), noiseSeed: 7)
        for key in ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat", "default"] {
            Self.check(try #require(outputs[key]), try Fixtures.golden(Self.name, "encode.\(key)"), "\(device) \(key)")
        }
        let (mean, stdev, sample) = (
            try #require(outputs["z_mean"]), try #require(outputs["z_stdev"]), try #require(outputs["z_sample"])
        )
        let epsilon = (0 ..< sample.data.count).map { (sample.data[$0] - mean.data[$0]) / stdev.data[$0] }
        var random = SeededRandom(seed: 7)
        let drawn = random.normalTensor([2, 120]).data
        let e = ErrorStatistics(actual: epsilon, expected: drawn)
        #expect(e.maxAbsolute <= 1e-3, "ε against the seeded stream: \(e)")
        let average = epsilon.reduce(0, +) / Float(epsilon.count)
        let variance = epsilon.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Float(epsilon.count)
        // 240 draws: the mean's standard error is 0.065, the variance's 0.09; four of each.
        #expect(abs(average) < 0.26 && abs(variance - 1) < 0.37, "mean \(average), variance \(variance)")
        // Another seed, other noise; the deterministic outputs stay.
        let other = try Self.run("encode", ["x": x], on: Fixtures.backend(device), noiseSeed: 8)
        #expect(other["z_sample"]?.data != sample.data && other["z_mean"]?.data == mean.data)
    }

    @Test(arguments: ["cpu", "vulkan"])
    func discriminate(_ device: String) throws {
        let feeds = ["x": try Fixtures.golden(Self.name, "generate.default"), "z": try Fixtures.golden(Self.name, "z")]
        let outputs = try Self.run("discriminate", feeds, on: Fixtures.backend(device))
        for key in ["score_x", "score_z", "score_xz"] {
            Self.check(
                try #require(outputs[key]), try Fixtures.golden(Self.name, "discriminate.\(key)"), "\(device) \(key)")
        }
    }

    /// Layers run as single kernels: in the encoder, convolutions with their batch norm folded in, their ReLU and
    /// their residual add, and the head's products with bias and ReLU; in the discriminator, the attention block's
    /// product → softmax → product. The goldens above hold with every fusion.
    @Test func layersAreFused() throws {
        let module = try GraphModule(url: Fixtures.module(Self.name))
        let encode = try GraphProgram(module: module, signature: "encode", backend: CPUBackend())
        let kinds = encode.groups.values.map { group -> String in
            guard case .linear(let weight, let bias, let residual, let activation, _) = group.kind else {
                return "attention"
            }
            return [
                weight != nil ? "bn" : nil, bias != nil ? "bias" : nil, residual != nil ? "residual" : nil,
                activation == .relu ? "relu" : nil,
            ].compactMap { $0 }.joined(separator: "+")
        }
        #expect(kinds.contains("bn+bias+relu") && kinds.contains("bias+relu"), "\(kinds)")
        #expect(kinds.contains { $0.contains("residual") }, "\(kinds)")
        let discriminate = try GraphProgram(module: module, signature: "discriminate", backend: CPUBackend())
        #expect(discriminate.groups.values.contains { if case .attention = $0.kind { true } else { false } })
        // A group's value stands for its last node; the others are not run on their own.
        for group in encode.groups.values { #expect(group.members.first?.name == group.anchor.name) }
        // The generator's nearest 2× resizes are read by the convolutions after them, as the native GBlock does.
        let generate = try GraphProgram(module: module, signature: "generate", backend: CPUBackend())
        let upsampling = generate.groups.values.filter { group in
            if case .linear(_, _, _, _, let upsampled) = group.kind { return upsampled != nil }
            return false
        }
        #expect(upsampling.count == 10, "\(upsampling.map(\.anchor.name))")
    }

    @Test func defaultSignature() throws {
        let outputs = try Self.run("default", ["x": Fixtures.golden(Self.name, "generate.upsampled")], on: CPUBackend())
        Self.check(try #require(outputs["default"]), try Fixtures.golden(Self.name, "default.default"), "default")
    }

    /// The module stores its `{"train"}` graph first; the engine must run the `{}` one.
    @Test func readsTheInferenceGraph() throws {
        let module = try GraphModule(url: Fixtures.module(Self.name))
        #expect(module.metaGraph.tags.isEmpty)
        #expect(module.signatureNames == ["default", "discriminate", "encode", "generate"])
        for signature in module.signatureNames { #expect(try module.unsupportedOps(signature: signature).isEmpty) }
    }

    /// A module with an op the engine lacks: the signature that needs it fails at load, naming op, node and output;
    /// the module's other signature still runs and matches TensorFlow.
    @Test func unsupportedOpIsNamed() throws {
        let module = try GraphModule(url: Fixtures.module("graph-unsupported"))
        #expect(
            throws: GraphError.unsupportedOp(
                op: "Cumsum", node: "generate/cumsum", output: "default",
                detail: "this engine has no implementation of Cumsum")
        ) {
            try GraphProgram(module: module, signature: "generate", backend: CPUBackend())
        }
        let problems = try module.unsupportedOps(signature: "generate")
        #expect(problems.map(\.op) == ["Cumsum"] && problems.first?.nodes == ["generate/cumsum"])
        let backend = CPUBackend()
        let program = try GraphProgram(module: module, signature: "encode", backend: backend)
        let x = try Fixtures.golden("graph-unsupported", "x")
        let y = try backend.download(try #require(program.run(["x": backend.upload(x)])["default"]))
        Self.check(y, try Fixtures.golden("graph-unsupported", "encode.default"), "encode")
    }
}
