import BigBiGANIO
import Foundation
import GraphEngine
import Tensors
import TestSupport
import Testing

/// `Tests/Fixtures/bigbigan-native`: a TF1 module written to the native models' conventions (see its README). The
/// graph engine must match TensorFlow on it as on `bigbigan-graph`; `bigbigan verify` agrees on it (CLITests).
@Suite("graph engine: native-convention module")
struct NativeConventionsTests {
    static let name = "bigbigan-native"

    /// Tolerance as in GraphModuleTests: 1e-4 of each output's range (measured ≤ 1e-5).
    @Test(arguments: ["cpu", "vulkan"])
    func encodeAndGenerateMatchTensorFlow(_ device: String) throws {
        let backend = try Fixtures.backend(device)
        let module = try GraphModule(url: Fixtures.module(Self.name))
        let encode = try GraphProgram(module: module, signature: "encode", backend: backend)
        let features = try encode.run(["x": backend.upload(FixtureImages.pattern(count: 2))])
        for key in ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat"] {
            GraphModuleTests.check(
                try backend.download(try #require(features[key])), try Fixtures.golden(Self.name, "encode.\(key)"),
                "\(device) \(key)")
        }
        let generate = try GraphProgram(module: module, signature: "generate", outputs: ["default"], backend: backend)
        let images = try backend.download(
            try #require(generate.run(["z": backend.upload(Fixtures.golden(Self.name, "z"))])["default"]))
        // The golden keeps every 8th row and column.
        let sub = try backend.download(
            backend.slice(backend.upload(images), start: [0, 0, 0, 0], count: [2, 16, 16, 3], step: [1, 8, 8, 1]))
        GraphModuleTests.check(sub, try Fixtures.golden(Self.name, "generate.default.sub8"), "\(device) default")
    }
}
