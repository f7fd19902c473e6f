import BigBiGANIO
import Foundation
import TensorFlowGraph
import Tensors

/// A TF1 SavedModel or TF-Hub module folder opened for execution: its inference meta graph (the one with the empty
/// tag set; Hub modules also hold a `train` graph, which is never read) and its variables checkpoint.
public final class GraphModule: @unchecked Sendable {
    /// The module folder.
    public let url: URL
    /// The meta graph with the empty tag set.
    public let metaGraph: TFMetaGraph
    private let variablesPrefix: URL
    private let lock = NSLock()
    private var bundle: TensorBundle?

    /// Opens the module folder at `url` (with `saved_model.pb` and `variables/`).
    public init(url: URL) throws {
        let module = try TFHubModule.read(url)
        guard let metaGraph = module.savedModel.metaGraph(tags: []) else {
            throw GraphError.noMetaGraph(
                path: url.path, tags: [], available: module.savedModel.metaGraphs.map(\.tags))
        }
        self.url = module.directory
        self.metaGraph = metaGraph
        variablesPrefix = module.variablesPrefix
    }

    /// The signature names of the inference graph, sorted.
    public var signatureNames: [String] { metaGraph.signatures.map(\.name) }

    /// The signature called `name`.
    public func signature(_ name: String) throws -> TFSignature {
        guard let signature = metaGraph.signature(named: name) else {
            throw GraphError.noSignature(name: name, available: signatureNames)
        }
        return signature
    }

    /// The op types signature `name` needs that this engine cannot run (see `GraphSupport.unsupportedOps`).
    public func unsupportedOps(signature name: String) throws -> [GraphSupport.UnsupportedOp] {
        try GraphSupport.unsupportedOps(in: metaGraph.graph, signature: signature(name))
    }

    /// The float32 variable stored under `name` in the module's checkpoint.
    func variable(_ name: String) throws(TensorFileError) -> HostTensor {
        lock.lock()
        defer { lock.unlock() }
        if bundle == nil { bundle = try TensorBundle(prefix: variablesPrefix) }
        return try bundle!.float32(name)
    }
}

/// What this engine can run of a graph, without loading weights (`bigbigan inspect`).
public enum GraphSupport {
    /// An op type a signature needs that the engine cannot run, the nodes with it, and why.
    public struct UnsupportedOp: Sendable, Equatable {
        public let op: String
        public let nodes: [String]
        public let detail: String
    }

    /// The op types the outputs of `signature` need (after pruning) that this engine cannot run, or runs only
    /// with other attributes; empty when the whole signature runs.
    public static func unsupportedOps(in graph: TFGraph, signature: TFSignature) throws -> [UnsupportedOp] {
        let plan = try GraphPlan(graph: graph, signature: signature, outputs: nil)
        var found: [String: (nodes: [String], detail: String)] = [:]
        for problem in plan.unsupported {
            found[problem.op, default: ([], problem.detail)].nodes.append(problem.node)
        }
        return found.keys.sorted().map { UnsupportedOp(op: $0, nodes: found[$0]!.nodes, detail: found[$0]!.detail) }
    }
}
