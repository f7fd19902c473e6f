import TensorFlowGraph

/// Where a node's values are computed.
enum Placement: Equatable {
    /// Once, at load: the node depends only on constants and variables.
    case constant
    /// On the host at each run (shapes of run-time tensors, random draws, and what is computed from them).
    case host
    /// On the backend at each run.
    case device
}

/// The part of a graph a signature's outputs need, in execution order, with each node's placement and every
/// problem that would stop it running. Pure analysis: no weights, no backend.
struct GraphPlan {
    struct Problem {
        let op: String
        let node: String
        let output: String
        let detail: String

        var error: GraphError { .unsupportedOp(op: op, node: node, output: output, detail: detail) }
    }

    /// A reference to one output of a node.
    struct TensorReference: Hashable {
        let node: String
        let index: Int

        init(_ name: String) {
            node = TFNode.nodeName(ofTensor: name)
            let suffix = name.dropFirst(node.count)
            index = suffix.hasPrefix(":") ? Int(suffix.dropFirst()) ?? 0 : 0
        }

        var name: String { "\(node):\(index)" }
    }

    let signature: TFSignature
    /// Requested outputs (signature keys and tensors).
    let outputs: [TFTensorInfo]
    /// Fed nodes: node name → the signature input feeding its output 0.
    let feeds: [String: TFTensorInfo]
    /// The nodes to run, each after its inputs.
    let order: [TFNode]
    let placement: [String: Placement]
    /// For each node, the first requested output key that needs it.
    let neededBy: [String: String]
    let unsupported: [Problem]

    /// Plans `outputs` (keys of `signature`; nil for all of them).
    init(graph: TFGraph, signature: TFSignature, outputs requested: [String]?) throws {
        self.signature = signature
        let keys = requested ?? signature.outputs.map(\.key)
        outputs = try keys.map { key in
            guard let info = signature.outputs.first(where: { $0.key == key }) else {
                throw GraphError.noSignatureKey(
                    signature: signature.name, key: key, available: signature.outputs.map(\.key))
            }
            guard !info.tensorName.isEmpty else {
                throw GraphError.malformedGraph(node: key, detail: "output '\(key)' is not a dense tensor")
            }
            return info
        }
        var feeds: [String: TFTensorInfo] = [:]
        for input in signature.inputs {
            let reference = TensorReference(input.tensorName)
            guard reference.index == 0 else {
                throw GraphError.malformedGraph(
                    node: reference.node, detail: "signature input '\(input.key)' feeds output \(reference.index)")
            }
            feeds[reference.node] = input
        }
        self.feeds = feeds

        // Prune: walk back from the outputs, not past fed nodes; control dependencies are not followed.
        var neededBy: [String: String] = [:]
        var order: [TFNode] = []
        var state: [String: Bool] = [:]  // false: on the stack, true: done
        for output in outputs {
            let root = TensorReference(output.tensorName).node
            var stack: [(name: String, expanded: Bool)] = [(root, false)]
            while let (name, expanded) = stack.popLast() {
                guard let node = graph.node(named: name) else {
                    throw GraphError.malformedGraph(node: name, detail: "no such node (needed by '\(output.key)')")
                }
                if expanded {
                    state[name] = true
                    order.append(node)
                    continue
                }
                if state[name] == true { continue }
                if state[name] == false {
                    throw GraphError.malformedGraph(node: name, detail: "the graph has a cycle through this node")
                }
                state[name] = false
                if neededBy[name] == nil { neededBy[name] = output.key }
                stack.append((name, true))
                guard feeds[name] == nil else { continue }
                for input in node.dataInputNodes.reversed() where state[input] != true {
                    if state[input] == false {
                        throw GraphError.malformedGraph(node: input, detail: "the graph has a cycle through this node")
                    }
                    stack.append((input, false))
                }
            }
        }
        self.order = order
        self.neededBy = neededBy

        var placement: [String: Placement] = [:]
        var certainlyHost: Set<String> = []
        var problems: [Problem] = []
        for node in order {
            let problem = { (detail: String) in
                problems.append(
                    Problem(op: node.op, node: node.name, output: neededBy[node.name] ?? "", detail: detail))
            }
            let inputs = node.dataInputNodes
            let inputPlacements = inputs.map { placement[$0] ?? .device }
            let allConstant = inputPlacements.allSatisfy { $0 == .constant }
            let allHost = inputs.allSatisfy { certainlyHost.contains($0) }
            var place = Placement.device
            var host = false
            if feeds[node.name] != nil {
                place = .device
            } else if GraphOps.sources.contains(node.op) {
                switch node.op {
                case "Placeholder":
                    problem("placeholder is not an input of signature '\(signature.name)'")
                case "PlaceholderWithDefault":
                    place = inputPlacements.first ?? .constant
                    host = allHost
                default:
                    place = .constant
                    host = true
                }
            } else if GraphOps.passThrough.contains(node.op) {
                place = inputPlacements.first ?? .constant
                host = allHost
            } else if let op = GraphOps.all[node.op] {
                if let detail = op.check(node) { problem(detail) }
                if op.isRandom {
                    place = .host
                } else if allConstant {
                    place = .constant
                } else if op.alwaysHost || (op.host != nil && allHost) {
                    place = .host
                }
                host = op.alwaysHost || op.isRandom || op.hostOnly || (op.host != nil && allHost && !Self.isFloat(node))
                let required = op.hostOnly ? Set(inputs.indices) : op.hostInputs
                for i in required.sorted() where i < inputs.count && !certainlyHost.contains(inputs[i]) {
                    problem(
                        "input \(i) ('\(inputs[i])') is computed on the device from the signature's inputs; "
                            + "this engine needs it known on the host")
                }
            } else {
                problem("this engine has no implementation of \(node.op)")
            }
            placement[node.name] = place
            if host || place == .constant { certainlyHost.insert(node.name) }
        }
        self.placement = placement
        unsupported = problems
    }

    /// Whether the node's element type is floating point (so its host inputs may still be computed on a backend).
    private static func isFloat(_ node: TFNode) -> Bool {
        for name in ["T", "dtype", "DstT"] {
            if case .type(let t) = node.attrs[name] { return t.isFloatingPoint }
        }
        return false
    }
}
