import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors
import Testing

/// `CheckpointWeights`, `SafetensorsWeights` and `WeightFiles` over the small checkpoint TensorFlow wrote
/// (Tests/BigBiGANIOTests/Fixtures, made by tools/fixtures/make_checkpoint_fixture.py).
@Suite struct CheckpointWeightsTests {
    static let module = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../BigBiGANIOTests/Fixtures/checkpoint").standardizedFileURL
    static let prefix = module.appendingPathComponent("variables/variables")
    static let g = "GenEncWrapper/Generator/"

    static func weights() throws -> CheckpointWeights { try CheckpointWeights(prefix: prefix) }

    /// The largest singular value by 200 power iterations in Float64 (converges to ~1e-12 for these small matrices).
    static func largestSingularValue(_ w: HostTensor) -> Double {
        let cout = w.shape.channels
        let fanIn = w.shape.count / cout
        var u = [Double](repeating: 1, count: cout)
        var sigma = 0.0
        for _ in 0 ..< 200 {
            var v = (0 ..< fanIn).map { i in (0 ..< cout).reduce(0.0) { $0 + Double(w.data[i * cout + $1]) * u[$1] } }
            let vNorm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / vNorm }
            u = (0 ..< cout).map { j in (0 ..< fanIn).reduce(0.0) { $0 + Double(w.data[$1 * cout + j]) * v[$1] } }
            sigma = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / sigma }
        }
        return sigma
    }

    @Test func theEMACopyIsPreferred() throws {
        let weights = try Self.weights()
        let name = Self.g + "linear/w"
        let loaded = try weights.load(name, shape: [1, 8], role: .embedding)
        #expect(loaded == (try weights.bundle.float32(name + "/ema_0.9999")))
        #expect(loaded != (try weights.bundle.float32(name)))
        #expect(weights.storedName(for: name) == name + "/ema_0.9999")
        // No EMA copy: the stored value itself; statistics are returned as stored.
        let mean = Self.g + "GBlock_1/BatchNorm/accumulated_mean"
        #expect(weights.storedName(for: mean) == mean)
        #expect(try weights.load(mean, shape: [4], role: .normMean) == weights.bundle.float32(mean))
        #expect(weights.storedName(for: Self.g + "absent") == nil)
        // A bias beside a u0 is not a kernel: its EMA copy as stored.
        let bias = Self.g + "GBlock_1/conv0/b"
        #expect(try weights.load(bias, shape: [6], role: .bias) == weights.bundle.float32(bias + "/ema_0.9999"))
    }

    /// Kernels with a stored u0 come back divided by σ; with u0 converged (as after training), σ of the result is 1.
    @Test(arguments: [("GBlock_1/conv0", [3, 3, 4, 6] as Shape), ("GBlock_1/BatchNorm/scale", [5, 4] as Shape)])
    func spectralNormalisationIsApplied(_ layer: String, shape: Shape) throws {
        let weights = try Self.weights()
        let name = Self.g + layer + "/w"
        let raw = try weights.bundle.float32(name + "/ema_0.9999")
        let u = try weights.bundle.float32(Self.g + layer + "/u0")
        let loaded = try weights.load(name, shape: shape, role: .kernel(gain: 1))
        #expect(
            loaded
                == (try SpectralNorm.normalized(
                    weight: raw, u: u.data, epsilon: CheckpointConventions.spectralNormEpsilon)))
        #expect(Self.largestSingularValue(raw) > 2)
        // u0 is the exact singular vector rounded to float32, and ε = 1e-4 enters σ̂ as σ/(σ+ε): |σ − 1| ≲ 1e-4 + float rounding.
        #expect(abs(Self.largestSingularValue(loaded) - 1) < 2e-4)
    }

    @Test func scalarsMayBeStoredAsRankZeroOrOne() throws {
        let weights = try Self.weights()
        #expect(
            try weights.load(Self.g + "attention/gamma", shape: [], role: .scalar(0))
                == HostTensor(shape: [], data: [0.5]))
        #expect(
            try weights.load(Self.g + "attention_1/gamma", shape: [], role: .scalar(0))
                == HostTensor(shape: [], data: [0.75]))
        // Everything else is strict.
        #expect(throws: WeightLookupError.self) {
            try weights.load(Self.g + "attention/gamma", shape: [1], role: .scalar(0))
        }
        let error = #expect(throws: WeightLookupError.self) {
            try weights.load(Self.g + "GBlock_1/conv0/b", shape: [1, 6], role: .bias)
        }
        #expect(error?.description == "stored as \(Self.g)GBlock_1/conv0/b/ema_0.9999 with shape [6], expected [1,6]")
    }

    @Test func unusedVariablesLeaveOutWhatLoadingConsumes() throws {
        let weights = try Self.weights()
        let requested: Set<String> = Set(
            [
                "linear/w", "GBlock_1/conv0/w", "GBlock_1/conv0/b", "GBlock_1/BatchNorm/scale/w",
                "GBlock_1/BatchNorm/accumulated_mean", "attention/gamma",
            ].map { Self.g + $0 })
        // u0, u1, EMA copies and accumulation_counter of requested names are consumed; the rest is listed.
        #expect(
            weights.unusedVariables(scope: "GenEncWrapper/Generator", requested: requested)
                == ["GBlock_1/BatchNorm/accumulated_var", "attention_1/gamma", "unexpected/w"].map { Self.g + $0 })
        #expect(weights.unusedVariables(scope: "GenEncWrapper/Encoder", requested: []) == [])
    }

    /// A model whose names the checkpoint lacks fails with every missing name and the stored names it did not use.
    @Test func aFailedModelLoadNamesMissingAndUnusedVariables() throws {
        let config = GeneratorConfig(ch: 8, blocks: 2, zDim: 24, embeddingDim: 8, attentionResolution: nil)
        let error = #expect(throws: WeightLoadError.self) {
            try Generator(config: config, weights: Self.weights(), backend: CPUBackend())
        }
        let problems = Dictionary(uniqueKeysWithValues: (error?.problems ?? []).map { ($0.name, $0.problem) })
        #expect(problems[Self.g + "GenZ/G_linear/w"] == "not in the checkpoint (nor its /ema_0.9999 copy)")
        #expect(problems[Self.g + "linear/w"] == nil)
        #expect(problems[Self.g + "GBlock_1/conv0/w"]?.contains("with shape [3,3,4,6], expected [3,3,16,8]") == true)
        #expect(error?.unused.contains(Self.g + "unexpected/w") == true)
        #expect(error?.unused.contains(Self.g + "GBlock_1/conv0/u1") == false)
        #expect(
            error?.description.contains(
                "stored variable(s) under GenEncWrapper/Generator/ that the model did not ask for") == true)
    }

    @Test func aCorruptTensorNamesItself() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "CheckpointWeightsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("variables")
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: Self.prefix.path + suffix, toPath: copy.path + suffix)
        }
        let name = Self.g + "linear/w/ema_0.9999"
        let offset = try #require(try TensorBundle(prefix: copy).entries[name]?.offset)
        let data = TensorBundle.dataURL(copy, shard: 0, of: 1)
        var bytes = [UInt8](try Data(contentsOf: data))
        bytes[offset + 2] ^= 0x40
        try Data(bytes).write(to: data)
        let error = #expect(throws: TensorFileError.self) {
            try CheckpointWeights(prefix: copy).load(Self.g + "linear/w", shape: [1, 8], role: .embedding)
        }
        #expect(error?.kind == .corrupt)
        #expect(error?.detail.contains("'\(name)' fails its checksum") == true)
    }

    @Test func weightFilesOpensEveryForm() throws {
        for path in [Self.module.path, Self.module.path + "/variables", Self.prefix.path, Self.prefix.path + ".index"] {
            let source = try WeightFiles.open(path)
            #expect((source as? CheckpointWeights)?.bundle.prefix.path == Self.prefix.path, "\(path)")
        }
        #expect(throws: TensorFileError.self) { try WeightFiles.open(Self.module.path + "/nothing") }
        #expect(throws: TensorFileError.self) { try WeightFiles.open(Self.module.deletingLastPathComponent().path) }
    }

    @Test func safetensorsWeightsAreReturnedAsStored() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "CheckpointWeightsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("weights.safetensors")
        let kernel = try HostTensor(shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6])
        try SafetensorsFile.write(
            [
                Self.g + "conv/w": kernel, Self.g + "gamma": HostTensor(shape: [1], data: [2]),
                Self.g + "extra": HostTensor(zeros: [1]),
            ], to: url)
        let weights = try #require(try WeightFiles.open(url.path) as? SafetensorsWeights)
        #expect(try weights.load(Self.g + "conv/w", shape: [1, 1, 2, 3], role: .kernel(gain: 1)) == kernel)
        #expect(try weights.load(Self.g + "gamma", shape: [], role: .scalar(0)) == HostTensor(shape: [], data: [2]))
        #expect(throws: WeightLookupError.self) {
            try weights.load(Self.g + "conv/w", shape: [2, 3], role: .kernel(gain: 1))
        }
        #expect(throws: WeightLookupError.self) { try weights.load(Self.g + "absent", shape: [1], role: .bias) }
        #expect(
            weights.unusedVariables(scope: "GenEncWrapper/Generator", requested: [Self.g + "conv/w"]) == [
                Self.g + "extra", Self.g + "gamma",
            ])
    }
}
