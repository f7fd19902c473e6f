import BigBiGAN
import BigBiGANIO
import CheckpointWriting
import Foundation
import Tensors
import Testing

/// A checkpoint that stores some of a model's weights by other conventions than the rest — a trainable variable
/// without its EMA copy, a kernel without its `u0` — is refused with every missing tensor named, instead of loading
/// that one layer raw or unnormalised (which moves the fixture's pixels by more than 1).
@Suite struct MixedConventionsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bigbigan-tiny/variables/variables")
    static let g = "GenEncWrapper/Generator/"

    /// The fixture's checkpoint without `dropped`, written under `directory`.
    static func fixture(without dropped: Set<String>, in directory: URL) throws -> CheckpointWeights {
        let prefix = directory.appendingPathComponent("variables")
        try TensorBundleWriter(copying: TensorBundle(prefix: fixture), except: dropped).write(prefix: prefix)
        return try CheckpointWeights(prefix: prefix)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "MixedConventionsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(arguments: [
        ["GBlock_2/conv1/w/ema_0.9999"],
        ["attention/gamma/ema_0.9999"],
        ["conv_2d/u0"],
        ["GBlock_1/BatchNorm/scale/u0"],
        ["GBlock_2/conv1/w/ema_0.9999", "linear/w/ema_0.9999", "GenZ/G_linear/u0", "conv_2d/u0"],
    ])
    func aCheckpointMixingConventionsIsRefused(_ dropped: [String]) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = dropped.map { Self.g + $0 }
        let weights = try Self.fixture(without: Set(names), in: directory)
        let error = #expect(throws: WeightLoadError.self) {
            try Generator(config: GeneratorConfig(ch: 4), weights: weights, backend: CPUBackend())
        }
        #expect(error?.problems.map(\.name).sorted() == names.sorted(), "\(error.map { "\($0)" } ?? "loaded")")
        for problem in error?.problems ?? [] {
            let what =
                problem.name.hasSuffix("/u0") ? "without spectral normalisation" : "its raw value among EMA weights"
            #expect(problem.problem.hasPrefix("missing, though ") && problem.problem.contains(what), "\(problem)")
        }
    }

    /// One convention throughout is fine: no EMA copies at all (raw weights), or no `u0` at all (kernels as stored).
    @Test(arguments: ["/ema_0.9999", "/u0"])
    func aCheckpointWithoutAConventionLoads(_ suffix: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = try TensorBundle(prefix: Self.fixture)
        let weights = try Self.fixture(without: Set(bundle.names.filter { $0.hasSuffix(suffix) }), in: directory)
        _ = try Generator(config: GeneratorConfig(ch: 4), weights: weights, backend: CPUBackend())
    }
}
