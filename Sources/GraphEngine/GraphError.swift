import TensorFlowGraph

/// Why a module's graph cannot be loaded or run; every case names what a user needs to find the cause.
public enum GraphError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The SavedModel has no meta graph with the requested tag set.
    case noMetaGraph(path: String, tags: [String], available: [[String]])
    /// The meta graph has no signature of that name.
    case noSignature(name: String, available: [String])
    /// A signature input or output key that the signature does not have.
    case noSignatureKey(signature: String, key: String, available: [String])
    /// A node the requested outputs need runs an op this engine does not implement, or with attributes it does not
    /// support.
    case unsupportedOp(op: String, node: String, output: String, detail: String)
    /// The graph is not well formed: a missing node, a cycle, a bad input reference, a value of the wrong kind.
    case malformedGraph(node: String, detail: String)
    /// A variable the graph reads is missing from the checkpoint or cannot be read.
    case variable(node: String, detail: String)
    /// A fed tensor does not fit the signature.
    case badFeed(key: String, detail: String)
    /// An op failed while running (shapes known only then, a backend error).
    case execution(op: String, node: String, detail: String)

    public var description: String {
        switch self {
        case .noMetaGraph(let path, let tags, let available):
            let show = { (t: [String]) in t.isEmpty ? "{} (empty)" : "{" + t.joined(separator: ", ") + "}" }
            return "\(path): no meta graph with tag set \(show(tags)); it has "
                + available.map(show).joined(separator: ", ")
        case .noSignature(let name, let available):
            return "no signature '\(name)'; the graph has " + available.map { "'\($0)'" }.joined(separator: ", ")
        case .noSignatureKey(let signature, let key, let available):
            return "signature '\(signature)' has no tensor '\(key)'; it has "
                + available.map { "'\($0)'" }.joined(separator: ", ")
        case .unsupportedOp(let op, let node, let output, let detail):
            return "op \(op) (node '\(node)', needed by output '\(output)') is not supported: \(detail)"
        case .malformedGraph(let node, let detail): return "malformed graph at node '\(node)': \(detail)"
        case .variable(let node, let detail): return "variable '\(node)': \(detail)"
        case .badFeed(let key, let detail): return "input '\(key)': \(detail)"
        case .execution(let op, let node, let detail): return "\(op) (node '\(node)') failed: \(detail)"
        }
    }
}
