import Foundation
import TensorFlowGraph
import Testing

/// Protocol-buffer wire encoding for hand-built test messages.
private enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    static func varint(_ number: Int, _ value: Int64) -> [UInt8] {
        varint(UInt64(number << 3)) + varint(UInt64(bitPattern: value))
    }
    static func bytes(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }
    static func string(_ number: Int, _ s: String) -> [UInt8] { bytes(number, Array(s.utf8)) }
    static func float(_ number: Int, _ f: Float) -> [UInt8] {
        varint(UInt64(number << 3 | 5)) + littleEndian(f.bitPattern)
    }
    static func littleEndian(_ v: UInt32) -> [UInt8] { (0 ..< 4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    static func shape(_ dims: [Int64]) -> [UInt8] { dims.flatMap { bytes(2, varint(1, $0)) } }
    static func attr(_ key: String, _ value: [UInt8]) -> [UInt8] { bytes(5, string(1, key) + bytes(2, value)) }
    static func node(_ name: String, _ op: String, _ inputs: [String] = [], attrs: [UInt8] = []) -> [UInt8] {
        bytes(1, string(1, name) + string(2, op) + inputs.flatMap { string(3, $0) } + attrs)
    }
    static func tensorInfo(_ key: String, _ name: String, _ dims: [Int64]) -> [UInt8] {
        string(1, key) + bytes(2, string(1, name) + varint(2, 1) + bytes(3, shape(dims)))
    }

    /// A SavedModel with tags {serve} and signature `generate`: z → Mul(ResizeBilinear(z, Const [256,256]),
    /// Rsqrt(AddV2(Const, Const 1e-3))) → Identity `out`; plus a variable that is not on the input path.
    static let smallModel: [UInt8] = {
        let sizeConst = bytes(8, varint(1, 3) + bytes(2, shape([2])) + bytes(4, littleEndian(256) + littleEndian(256)))
        let epsilonConst = bytes(8, varint(1, 1) + bytes(2, []) + float(5, 1e-3))
        let graph =
            node("z", "Placeholder") + node("size", "Const", attrs: attr("value", sizeConst))
            + node(
                "up", "ResizeBilinear", ["z:0", "size"],
                attrs: attr("align_corners", varint(5, 0)) + attr("half_pixel_centers", varint(5, 1)))
            + node("var", "VariableV2") + node("var/read", "Identity", ["var"])
            + node("eps", "Const", attrs: attr("value", epsilonConst))
            + node("add", "AddV2", ["var/read", "eps"]) + node("rsqrt", "Rsqrt", ["add"])
            + node("mul", "Mul", ["up", "rsqrt:0", "^var"]) + node("out", "Identity", ["mul"])
        let signature =
            bytes(1, tensorInfo("z", "z:0", [-1, 120])) + bytes(2, tensorInfo("out", "out:0", [-1, 256, 256, 3]))
            + string(3, "predict")
        let metaGraph =
            bytes(1, string(4, "serve") + string(5, "2.15.1")) + bytes(2, graph)
            + bytes(5, string(1, "generate") + bytes(2, signature))
        return varint(1, 1) + bytes(2, metaGraph)
    }()
}

@Suite("saved model")
struct SavedModelTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bigbigan-tiny")

    /// The TensorFlow-written fixture: both meta graphs, the `generate` signature with the released shapes.
    @Test func readsTheFixturesSignatures() throws {
        let module = try TFHubModule.read(Self.fixture)
        #expect(module.moduleFormat == 3)
        #expect(module.savedModel.metaGraphs.map(\.tags) == [[], ["train"]])
        let metaGraph = try #require(module.savedModel.metaGraph(tags: []))
        #expect(metaGraph.signatures.map(\.name) == ["generate"])
        let generate = try #require(metaGraph.signature(named: "generate"))
        #expect(generate.inputs.map(\.key) == ["z"])
        #expect(generate.inputs.first?.shape == TFTensorShape(dims: [-1, 120]))
        #expect(generate.inputs.first?.dtype == .float)
        #expect(generate.outputs.map(\.key) == ["default", "upsampled"])
        #expect(generate.outputs.map { $0.shape?.description } == ["[?,128,128,3]", "[?,256,256,3]"])
        #expect(
            metaGraph.graph.nodes.contains {
                $0.op == "VariableV2" && $0.name == "GenEncWrapper/Generator/linear/w/ema_0.9999"
            })
    }

    /// The walk back from `upsampled` finds the nearest-neighbour resize right before it, the generator's ops on the
    /// input path (and no weight reads), ε = 1e-4 in every batch norm, and no sampling or softplus.
    @Test func tracesTheFixturesOutputs() throws {
        let metaGraph = try #require(TFHubModule.read(Self.fixture).savedModel.metaGraph(tags: []))
        let generate = try #require(metaGraph.signature(named: "generate"))
        let upsampled = try #require(generate.outputs.first { $0.key == "upsampled" })
        let trace = try #require(TFOutputTrace(graph: metaGraph.graph, inputs: generate.inputs, output: upsampled))
        let resize = try #require(trace.nearestResize)
        #expect(resize.node.op == "ResizeNearestNeighbor")
        #expect(resize.opsBetween <= 1)
        #expect(resize.node.attrs["align_corners"] == .bool(false))
        #expect(trace.pathOps.first == "Placeholder")
        for op in ["Conv2D", "BiasAdd", "MaxPool", "Softmax", "FusedBatchNormV3", "Tanh", "ResizeNearestNeighbor"] {
            #expect(trace.pathOps.contains(op), "\(op) missing from \(trace.pathOps)")
        }
        #expect(!trace.pathOps.contains("VariableV2") && !trace.pathOps.contains("Sqrt"))
        #expect(Set(trace.epsilons.map(\.value)) == [1e-4])
        #expect(trace.epsilons.map(\.count).reduce(0, +) == 11)  // 10 conditional BNs + the final BN
        #expect(trace.notable.isEmpty)
        #expect(trace.accumulatorVariables == 22 && trace.counterVariables == 0)
    }

    /// Decoding of a hand-encoded model: negative dims (10-byte varints), packed int32 tensor content, float_val
    /// scalars, bool attributes, control inputs, and the Rsqrt(AddV2(x, Const)) epsilon pattern.
    @Test func decodesAHandEncodedModel() throws {
        let model = try TFSavedModel(bytes: Wire.smallModel)
        #expect(model.schemaVersion == 1)
        let metaGraph = try #require(model.metaGraph(tags: ["serve"]))
        #expect(metaGraph.tensorflowVersion == "2.15.1")
        let signature = try #require(metaGraph.signature(named: "generate"))
        #expect(signature.methodName == "predict")
        #expect(signature.inputs.first?.shape?.dims == [-1, 120])
        let size = try #require(metaGraph.graph.node(named: "size"))
        guard case .tensor(let tensor) = size.attrs["value"] else {
            Issue.record("no tensor attr")
            return
        }
        #expect(tensor.dtype.description == "int32" && tensor.values == [256, 256])
        #expect(metaGraph.graph.node(named: "mul")?.dataInputNodes == ["up", "rsqrt"])
        let trace = try #require(
            TFOutputTrace(graph: metaGraph.graph, inputs: signature.inputs, output: signature.outputs[0]))
        #expect(trace.pathOps == ["Placeholder", "ResizeBilinear", "Mul", "Identity"])
        #expect(trace.nearestResize?.node.name == "up" && trace.nearestResize?.opsBetween == 2)
        #expect(trace.nearestResize?.node.attrs["half_pixel_centers"] == .bool(true))
        #expect(trace.epsilons.map { "\($0.source) \($0.value) \($0.count)" } == ["Rsqrt(AddV2(x, Const)) 0.001 1"])
        #expect(
            try TFOutputTrace(
                graph: metaGraph.graph, inputs: signature.inputs,
                output: signature.outputs[0].renamed("missing:0")) == nil)
    }

    @Test func wireDecoderReadsEachWireType() throws {
        let bytes =
            Wire.varint(1, -2) + [0x11] + Array(repeating: 0xAB, count: 8) + Wire.string(3, "hé") + Wire.float(4, 1.5)
            + Wire.bytes(5, Wire.varint(300) + Wire.varint(1)) + Wire.varint(5, 7)
        let m = try ProtoMessage(bytes)
        #expect(try m.int64(1) == -2)
        #expect(m.all(2).count == 1)
        #expect(try m.string(3) == "hé")
        #expect(try m.float(4) == 1.5)
        #expect(try m.varints(5) == [300, 1, 7])  // packed then unpacked
        #expect(throws: ProtobufError.self) { try m.string(1) }  // a varint is not length-delimited
        #expect(throws: ProtobufError.self) { try m.float(1) }
    }

    /// Damaged bytes are reported as errors, never crash: every truncation and every single-byte corruption
    /// of a small model either throws `ProtobufError` or decodes to something.
    @Test func damagedBytesNeverCrash() {
        let good = Wire.smallModel
        for length in 0 ..< good.count {
            #expect(throws: ProtobufError.self) { try TFSavedModel(bytes: Array(good.prefix(length))) }
        }
        for position in good.indices {
            for value: UInt8 in [0x00, 0xFF, 0x80, good[position] ^ 0x01] {
                var bad = good
                bad[position] = value
                if let model = try? TFSavedModel(bytes: bad), let metaGraph = model.metaGraphs.first,
                    let signature = metaGraph.signatures.first, let output = signature.outputs.first
                {
                    _ = TFOutputTrace(graph: metaGraph.graph, inputs: signature.inputs, output: output)
                }
            }
        }
    }

    @Test(arguments: [
        ("empty", [UInt8]()),
        ("overlong varint", [0x08] + Array(repeating: 0xFF, count: 10) + [0x01]),
        ("length past the end", [0x12, 0x05, 0x01]),
        ("group wire type", [0x13]),
        ("field number 0", [0x02, 0x00]),
        ("meta graph that is a varint", [0x10, 0x01]),
        ("another message", Wire.string(7, "not a saved model")),
        ("PNG signature", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]),
        ("text", Array("node { name: \"z\" }".utf8)),
    ])
    func rejectsNonSavedModels(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: ProtobufError.self, "\(name)") { try TFSavedModel(bytes: bytes) }
    }

    /// A cut-off fixture file and random bytes give a `SavedModelError` naming the file.
    @Test func reportsCorruptFilesWithTheirPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "TensorFlowGraphTests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try [UInt8](Data(contentsOf: Self.fixture.appendingPathComponent("saved_model.pb")))
        var random = SystemRandomNumberGenerator()
        for (name, bytes) in [
            ("cut", Array(original.prefix(original.count / 2))),
            ("noise", (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &random) }),
        ] {
            let module = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: module, withIntermediateDirectories: true)
            try Data(bytes).write(to: module.appendingPathComponent("saved_model.pb"))
            do {
                _ = try TFHubModule.read(module)
                Issue.record("\(name): decoding succeeded")
            } catch {
                #expect(
                    error.path.hasSuffix("\(name)/saved_model.pb") && error.detail.contains("not a valid SavedModel"))
            }
        }
        #expect(throws: SavedModelError.self) { try TFHubModule.read(directory.appendingPathComponent("absent")) }
    }
}

extension TFTensorInfo {
    /// The same info pointing at another graph tensor (via a re-encoded TensorInfo).
    fileprivate func renamed(_ tensorName: String) throws -> TFTensorInfo {
        let model = try TFSavedModel(
            bytes: Wire.varint(1, 1)
                + Wire.bytes(
                    2,
                    Wire.bytes(
                        5,
                        Wire.string(1, "s")
                            + Wire.bytes(2, Wire.bytes(2, Wire.tensorInfo(key, tensorName, []))))))
        return model.metaGraphs[0].signatures[0].outputs[0]
    }
}
