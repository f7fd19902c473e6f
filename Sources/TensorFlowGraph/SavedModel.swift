import FileAccess
import Foundation

/// Why a SavedModel or Hub module file could not be read; names the file and the problem.
public struct SavedModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let detail: String
    public var description: String { "\(path): \(detail)" }
}

/// A `TensorInfo` of a signature: the graph tensor it names, its dtype and static shape.
public struct TFTensorInfo: Sendable {
    /// The signature's key for it (`z`, `default`, `upsampled`…).
    public let key: String
    /// The graph tensor, `node:index`; empty for sparse or composite tensors.
    public let tensorName: String
    public let dtype: TFDataType
    public let shape: TFTensorShape?

    init(key: String, _ m: ProtoMessage) throws(ProtobufError) {
        self.key = key
        tensorName = try m.string(1) ?? ""
        dtype = TFDataType(try m.int64(2) ?? 0)
        shape = try m.message(3).map(TFTensorShape.init)
    }
}

/// A `SignatureDef`: named inputs and outputs (sorted by key) and the method name.
public struct TFSignature: Sendable {
    public let name: String
    public let inputs: [TFTensorInfo]
    public let outputs: [TFTensorInfo]
    public let methodName: String

    init(name: String, _ m: ProtoMessage) throws(ProtobufError) {
        self.name = name
        inputs = try Self.infos(m, 1)
        outputs = try Self.infos(m, 2)
        methodName = try m.string(3) ?? ""
    }

    private static func infos(_ m: ProtoMessage, _ number: Int) throws(ProtobufError) -> [TFTensorInfo] {
        var infos: [TFTensorInfo] = []
        for (key, value) in try m.stringMap(number) { infos.append(try TFTensorInfo(key: key, value)) }
        return infos.sorted { $0.key < $1.key }
    }
}

/// A `MetaGraphDef`: one graph variant of a SavedModel, selected by its tag set.
public struct TFMetaGraph: Sendable {
    /// The tag set (empty for a Hub module's default inference graph; `["train"]` for its training graph).
    public let tags: [String]
    /// The TensorFlow version that wrote it, when recorded.
    public let tensorflowVersion: String
    /// Signatures sorted by name.
    public let signatures: [TFSignature]
    public let graph: TFGraph

    init(_ m: ProtoMessage) throws(ProtobufError) {
        let info = try m.message(1) ?? .empty
        tags = try info.strings(4)
        tensorflowVersion = try info.string(5) ?? ""
        var signatures: [TFSignature] = []
        for (name, value) in try m.stringMap(5) { signatures.append(try TFSignature(name: name, value)) }
        self.signatures = signatures.sorted { $0.name < $1.name }
        graph = try TFGraph(m.message(2) ?? .empty)
    }

    public func signature(named name: String) -> TFSignature? { signatures.first { $0.name == name } }
}

/// A TensorFlow `SavedModel` (`saved_model.pb`): its meta graphs, decoded with the plain wire decoder
/// (field numbers in `docs/released-modules.md`, SavedModel fields).
public struct TFSavedModel: Sendable {
    public let schemaVersion: Int64
    public let metaGraphs: [TFMetaGraph]

    /// Decodes `bytes`; throws `ProtobufError` if they are not a SavedModel with at least one meta graph.
    public init(bytes: [UInt8]) throws(ProtobufError) {
        let m = try ProtoMessage(bytes)
        // Any other top-level field means this is some other message, or not protobuf at all.
        if let other = m.fields.first(where: { $0.number != 1 && $0.number != 2 }) {
            throw ProtobufError(detail: "unexpected top-level field \(other.number): not a SavedModel")
        }
        schemaVersion = try m.int64(1) ?? 0
        var metaGraphs: [TFMetaGraph] = []
        for metaGraph in try m.messages(2) { metaGraphs.append(try TFMetaGraph(metaGraph)) }
        guard !metaGraphs.isEmpty else { throw ProtobufError(detail: "no meta graphs: not a SavedModel") }
        self.metaGraphs = metaGraphs
    }

    /// Reads and decodes `saved_model.pb`.
    public static func read(_ url: URL) throws(SavedModelError) -> TFSavedModel {
        let bytes = try readBytes(url)
        do {
            return try TFSavedModel(bytes: bytes)
        } catch {
            throw SavedModelError(path: url.path, detail: "not a valid SavedModel: \(error.detail)")
        }
    }

    /// The meta graph whose tag set is exactly `tags` (order ignored).
    public func metaGraph(tags: Set<String>) -> TFMetaGraph? { metaGraphs.first { Set($0.tags) == tags } }
}

/// A TF1 Hub module directory (`docs/released-modules.md`, Module directory): `tfhub_module.pb`, `saved_model.pb`,
/// `variables/`.
public struct TFHubModule: Sendable {
    public let directory: URL
    /// `ModuleDef.format` from `tfhub_module.pb` (3 for the released modules); nil when the file is absent.
    public let moduleFormat: Int64?
    public let savedModel: TFSavedModel

    /// Reads a module directory, or a `saved_model.pb` given directly.
    public static func read(_ url: URL) throws(SavedModelError) -> TFHubModule {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SavedModelError(path: url.path, detail: "no such file or directory")
        }
        guard isDirectory.boolValue else {
            return TFHubModule(
                directory: url.deletingLastPathComponent(), moduleFormat: nil, savedModel: try TFSavedModel.read(url))
        }
        let savedModel = try TFSavedModel.read(url.appendingPathComponent("saved_model.pb"))
        let moduleURL = url.appendingPathComponent("tfhub_module.pb")
        var format: Int64?
        if FileManager.default.fileExists(atPath: moduleURL.path) {
            let bytes = try readBytes(moduleURL)
            do {
                format = try ProtoMessage(bytes).int64(1) ?? 0
            } catch {
                throw SavedModelError(path: moduleURL.path, detail: "not a valid ModuleDef: \(error.detail)")
            }
        }
        return TFHubModule(directory: url, moduleFormat: format, savedModel: savedModel)
    }

    /// The checkpoint prefix `variables/variables` (its `.index` and `.data-*` files sit beside it).
    public var variablesPrefix: URL {
        directory.appendingPathComponent("variables").appendingPathComponent("variables")
    }
}

private func readBytes(_ url: URL) throws(SavedModelError) -> [UInt8] {
    do {
        return [UInt8](try FileBytes.read(url))
    } catch {
        throw SavedModelError(path: url.path, detail: "cannot read: \(error.detail)")
    }
}
