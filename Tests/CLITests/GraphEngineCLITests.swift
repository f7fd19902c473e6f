import BigBiGANIO
import Foundation
import Tensors
import Testing

/// `--engine`, `verify`, `discriminate` and `inspect` on the TensorFlow-written modules under Tests/Fixtures:
/// `bigbigan-tiny` (the native generator's conventions exactly) and `bigbigan-graph` (a module the native models
/// load but compute differently, see its README).
extension CLITests {
    static let graphModule = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../Fixtures/bigbigan-graph"
    ).standardized
    static let unsupportedModule = graphModule.deletingLastPathComponent().appendingPathComponent("graph-unsupported")

    static func graphGolden(_ name: String) throws -> HostTensor {
        try NPYFile.read(graphModule.appendingPathComponent("golden/\(name).npy"))
    }

    /// Within 1e-4 of the golden's range (the graph engine's bound against TensorFlow, GraphModuleTests).
    static func expectClose(_ actual: HostTensor?, _ expected: HostTensor, _ label: String) {
        guard let actual, actual.shape == expected.shape else {
            Issue.record("\(label): \(actual.map { "\($0.shape)" } ?? "missing"), expected \(expected.shape)")
            return
        }
        let range = (expected.data.max() ?? 0) - (expected.data.min() ?? 0)
        let e = ErrorStatistics(actual: actual.data, expected: expected.data)
        #expect(e.maxAbsolute <= 1e-4 * max(range, 1e-6), "\(label): \(e)")
    }

    @Test func verifyAgreesOnTheTinyModuleAndDisagreesOnTheGraphModule() throws {
        let cache = try temporaryDirectory()
        let agree = try run(
            ["verify", "--weights", Self.fixture.path, "--device", "cpu"],
            environment: ["BIGBIGAN_CACHE_DIR": cache.path])
        #expect(agree.status == 0 && agree.stdout.contains("generate: native agrees with the graph"), "\(agree.stdout)")
        let disagree = try run(
            ["verify", "--weights", Self.graphModule.path, "--device", "cpu"],
            environment: ["BIGBIGAN_CACHE_DIR": cache.path])
        #expect(disagree.status == 1, "\(disagree.stderr)")
        let upsampled = disagree.stdout.split(separator: "\n").first { $0.contains("upsampled") } ?? ""
        #expect(upsampled.contains("DISAGREES"), "\(disagree.stdout)")
        let defaultLine = disagree.stdout.split(separator: "\n").first { $0.contains(" default ") } ?? ""
        #expect(defaultLine.contains("agrees") && !defaultLine.contains("DISAGREES"), "\(disagree.stdout)")
        #expect(disagree.stdout.contains("encode: DISAGREES"), "\(disagree.stdout)")
        // Both verdicts are remembered for --engine auto.
        let remembered = try FileManager.default.contentsOfDirectory(
            atPath: cache.appendingPathComponent("verify").path)
        #expect(remembered.filter { $0.hasSuffix(".json") }.count == 3, "\(remembered)")
        let notModule = try run(["verify", "--weights", cache.path, "--device", "cpu"])
        #expect(notModule.status == 1 && notModule.stderr.contains("saved_model.pb"), "\(notModule.stderr)")
    }

    /// On a module written to the native conventions, verify agrees for both signatures and the default engine runs
    /// the native models, saying so.
    @Test func nativeConventionsModuleRunsNatively() throws {
        let dir = try temporaryDirectory()
        let module = Self.graphModule.deletingLastPathComponent().appendingPathComponent("bigbigan-native").path
        let environment = ["BIGBIGAN_CACHE_DIR": dir.appendingPathComponent("cache").path]
        let verify = try run(["verify", "--weights", module, "--device", "cpu"], environment: environment)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(
            verify.stdout.contains("generate: native agrees") && verify.stdout.contains("encode: native agrees"),
            "\(verify.stdout)")
        let out = dir.appendingPathComponent("z.npy")
        let generate = try run(
            ["generate", "--weights", module, "--count", "1", "--device", "cpu", "--output", out.path],
            environment: environment)
        #expect(generate.status == 0 && generate.stderr.contains("engine: native generate"), "\(generate.stderr)")
    }

    /// The default engine verifies the module once, finds the native encoder disagrees and runs the graph: the
    /// features match TensorFlow's on the CPU reference and on the Vulkan device; `--engine native` gives other
    /// numbers, and `--engine graph` the graph's.
    @Test func encodeWithTheDefaultEngineMatchesTensorFlow() throws {
        let dir = try temporaryDirectory()
        let x = dir.appendingPathComponent("x.npy")
        try NPYFile.write(Self.graphGolden("generate.upsampled"), to: x)
        for device in ["cpu", "0"] {
            let out = dir.appendingPathComponent("auto-\(device).npz")
            let result = try run(
                ["encode", x.path, "--weights", Self.graphModule.path, "--device", device, "--output", out.path],
                environment: ["BIGBIGAN_CACHE_DIR": dir.appendingPathComponent("cache").path])
            #expect(result.status == 0 && result.stderr.contains("engine: graph encode"), "\(result.stderr)")
            let features = try NPZFile.read(out)
            for key in ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat"] {
                Self.expectClose(features[key], try Self.graphGolden("encode.\(key)"), "\(device) \(key)")
            }
        }
        let native = dir.appendingPathComponent("native.npz")
        try expectSuccess([
            "encode", x.path, "--weights", Self.graphModule.path, "--device", "cpu", "--engine", "native", "--output",
            native.path,
        ])
        let nativeMean = try #require(try NPZFile.read(native)["z_mean"])
        let golden = try Self.graphGolden("encode.z_mean")
        #expect(ErrorStatistics(actual: nativeMean.data, expected: golden.data).maxAbsolute > 0.1)
    }

    /// `generate --engine graph --upsampled` follows the module's bilinear resize; the native guess (nearest) does not.
    @Test func generateUpsampledFollowsTheGraph() throws {
        let dir = try temporaryDirectory()
        let z = Self.graphModule.appendingPathComponent("golden/z.npy").path
        let out = dir.appendingPathComponent("up.npy")
        try expectSuccess([
            "generate", "--weights", Self.graphModule.path, "--z", z, "--upsampled", "--engine", "graph", "--device",
            "cpu", "--output", out.path,
        ])
        Self.expectClose(try NPYFile.read(out), try Self.graphGolden("generate.upsampled"), "upsampled")
        let synthetic = try run([
            "generate", "--engine", "graph", "--count", "1", "--device", "cpu", "--output",
            dir.appendingPathComponent("s.npy").path,
        ])
        #expect(synthetic.status != 0 && synthetic.stderr.contains("module folder"), "\(synthetic.stderr)")
    }

    @Test func discriminateScoresPairs() throws {
        let dir = try temporaryDirectory()
        let x = dir.appendingPathComponent("x128.npy")
        try NPYFile.write(Self.graphGolden("generate.default"), to: x)
        let z = Self.graphModule.appendingPathComponent("golden/z.npy").path
        let out = dir.appendingPathComponent("scores.npz")
        try expectSuccess([
            "discriminate", "--weights", Self.graphModule.path, "--z", z, x.path, "--device", "cpu", "--output",
            out.path,
        ])
        let scores = try NPZFile.read(out)
        for key in ["score_x", "score_z", "score_xz"] {
            Self.expectClose(scores[key], try Self.graphGolden("discriminate.\(key)"), key)
        }
        // Image files: prepared at 256, average-pooled to 128; one score per pair.
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0 ..< 2 {
            try ImageFile.writePNG(
                RGBImage(tensor: try Self.graphGolden("generate.upsampled"), index: i),
                to: images.appendingPathComponent("\(i).png"))
        }
        let fromFiles = dir.appendingPathComponent("files.safetensors")
        try expectSuccess([
            "discriminate", "--weights", Self.graphModule.path, "--z", z, images.path, "--device", "0", "--output",
            fromFiles.path,
        ])
        #expect(try SafetensorsFile.read(fromFiles).tensors["score_xz"]?.shape == [2])
        // Two images but one latent row: refused, nothing written.
        let oneRow = dir.appendingPathComponent("z1.npy")
        try NPYFile.write(
            HostTensor(shape: [1, 120], data: Array(try NPYFile.read(URL(fileURLWithPath: z)).data.prefix(120))),
            to: oneRow)
        let mismatch = dir.appendingPathComponent("mismatch.npz")
        let result = try run([
            "discriminate", "--weights", Self.graphModule.path, "--z", oneRow.path, x.path, "--device", "cpu",
            "--output", mismatch.path,
        ])
        #expect(result.status == 1 && result.stderr.contains("latent row"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: mismatch.path))
        let native = try run([
            "discriminate", "--weights", Self.graphModule.path, "--z", z, x.path, "--engine", "native", "--output",
            mismatch.path,
        ])
        // The hand-written discriminator's names are not this module's: refused with the weights it lacks.
        #expect(native.status == 1 && native.stderr.contains("F/DBlock"), "\(native.stderr)")
        #expect(!FileManager.default.fileExists(atPath: mismatch.path))
    }

    /// An op the engine lacks: the command fails before any compute, naming op, node and output; inspect lists it.
    @Test func unsupportedOpFailsNamingIt() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("x.npy")
        let result = try run([
            "generate", "--weights", Self.unsupportedModule.path, "--engine", "graph", "--count", "1", "--device",
            "cpu", "--output", out.path,
        ])
        #expect(result.status != 0, "\(result.stderr)")
        #expect(result.stderr.contains("Cumsum") && result.stderr.contains("generate/cumsum"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let inspect = try run(["inspect", Self.unsupportedModule.path, "--no-variables"])
        #expect(inspect.status == 0 && inspect.stdout.contains("graph engine cannot run: Cumsum"), "\(inspect.stdout)")
    }
}
