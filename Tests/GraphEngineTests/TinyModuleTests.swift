import BigBiGANIO
import Foundation
import GraphEngine
import Tensors
import Testing

/// The graph engine on `Tests/Fixtures/bigbigan-tiny` (a ch = 4 BigBiGAN generator written in TF1 with spectral
/// norm applied to the stored weights, EMA reads, conditional batch norm, attention and a nearest 2× resize): its
/// `generate` signature must give TensorFlow's outputs.
@Suite("graph engine: tiny generator")
struct TinyModuleTests {
    static let name = "bigbigan-tiny"

    /// Tolerance as for the native generator on the same fixture (Tests/BigBiGANTests/FixtureGoldenTests.swift):
    /// TF's kernels and ours sum the same products in another order through ~25 convolutions and linears; measured
    /// max |Δ| is about 1e-5 of the [−1, 1] range. We allow 1e-4 absolute and NMSE 1e-10.
    @Test(arguments: ["cpu", "vulkan"])
    func generateMatchesTensorFlow(_ device: String) throws {
        let backend = try Fixtures.backend(device)
        let module = try GraphModule(url: Fixtures.module(Self.name))
        #expect(module.metaGraph.tags.isEmpty)
        let program = try GraphProgram(module: module, signature: "generate", backend: backend)
        let z = try Fixtures.golden(Self.name, "z")
        let outputs = try program.run(["z": backend.upload(z)])
        for key in ["default", "upsampled"] {
            let expected = try Fixtures.golden(Self.name, key)
            let actual = try backend.download(try #require(outputs[key]))
            try #require(actual.shape == expected.shape, "\(key): \(actual.shape) vs \(expected.shape)")
            let e = ErrorStatistics(actual: actual.data, expected: expected.data)
            #expect(e.maxAbsolute <= 1e-4 && e.nmse <= 1e-10, "\(device) \(key): \(e)")
        }
    }

    /// Asking for one output prunes the graph to it; a second run with another batch size reuses the program.
    @Test func prunedOutputAndBatchSizes() throws {
        let backend = CPUBackend()
        let module = try GraphModule(url: Fixtures.module(Self.name))
        let program = try GraphProgram(module: module, signature: "generate", outputs: ["default"], backend: backend)
        #expect(program.outputs.map(\.key) == ["default"])
        let z = try Fixtures.golden(Self.name, "z")
        let expected = try Fixtures.golden(Self.name, "default")
        let first = try backend.download(try #require(program.run(["z": backend.upload(z)])["default"]))
        let row = try HostTensor(shape: [1, 120], data: Array(z.data[120 ..< 240]))
        let second = try backend.download(try #require(program.run(["z": backend.upload(row)])["default"]))
        #expect(first.shape == [3, 128, 128, 3] && second.shape == [1, 128, 128, 3])
        let perImage = 128 * 128 * 3
        let e = ErrorStatistics(actual: second.data, expected: Array(expected.data[perImage ..< 2 * perImage]))
        #expect(e.maxAbsolute <= 1e-4, "\(e)")
    }

    @Test func namedErrors() throws {
        let backend = CPUBackend()
        let module = try GraphModule(url: Fixtures.module(Self.name))
        #expect(throws: GraphError.noSignature(name: "encode", available: ["generate"])) {
            try GraphProgram(module: module, signature: "encode", backend: backend)
        }
        #expect(
            throws: GraphError.noSignatureKey(
                signature: "generate", key: "z_mean", available: ["default", "upsampled"])
        ) {
            try GraphProgram(module: module, signature: "generate", outputs: ["z_mean"], backend: backend)
        }
        let program = try GraphProgram(module: module, signature: "generate", backend: backend)
        #expect(throws: GraphError.self) { try program.run([:]) }
        let wrong = try backend.upload(HostTensor(zeros: [2, 100]))
        #expect(throws: GraphError.badFeed(key: "z", detail: "shape [2,100], expected [?,120]")) {
            try program.run(["z": wrong])
        }
        #expect(module.signatureNames == ["generate"])
        #expect(try module.unsupportedOps(signature: "generate").isEmpty)
    }
}
