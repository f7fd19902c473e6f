/// What a graph computes between a signature's inputs and one of its outputs — the facts that settle the released
/// modules' open questions (`docs/released-modules.md`, Open questions): the resize op behind `upsampled`, Softplus/Exp
/// behind `z_stdev`, random sampling behind `z_sample`, batch-norm epsilons and whether the BN accumulators are divided
/// by a counter.
public struct TFOutputTrace: Sendable {
    /// A value that some ancestor ops use as a batch-norm epsilon.
    public struct Epsilon: Sendable, Equatable {
        /// Where it was found, e.g. `FusedBatchNormV3.epsilon` or `Rsqrt(AddV2(x, Const))`.
        public let source: String
        public let value: Float
        public let count: Int
    }

    public let output: TFTensorInfo
    /// Op types of the nodes on some path from a signature input to the output, de-duplicated, in topological
    /// order (inputs first). Weight reads and spectral-norm arithmetic on weights alone are not on such paths.
    public let pathOps: [String]
    /// Number of nodes on those paths.
    public let pathNodeCount: Int
    /// Number of nodes the output depends on at all (weights included).
    public let ancestorCount: Int
    /// The resize op nearest the output (searching backwards breadth-first), if any, and how many ops lie between
    /// them (0: the resize produces the output tensor itself).
    public let nearestResize: (node: TFNode, opsBetween: Int)?
    /// Ancestors whose op is one of `notableOps`, grouped by op type in `notableOps` order.
    public let notable: [(op: String, nodes: [String])]
    /// Batch-norm epsilons among the ancestors, grouped by source and value.
    public let epsilons: [Epsilon]
    /// Variables the output reads whose names contain `accumulated_` / `accumulation_counter`.
    public let accumulatorVariables: Int
    public let counterVariables: Int

    /// Ops whose presence settles an open question (`docs/released-modules.md`, Open questions).
    public static let notableOps = [
        "Softplus", "Exp", "RandomStandardNormal", "RandomNormal", "TruncatedNormal", "RandomUniform",
    ]
    static let variableOps: Set<String> = ["VariableV2", "Variable", "VarHandleOp"]

    /// Traces `output` back through `graph` to the nodes of `inputs`; nil if the output's node is not in the graph.
    public init?(graph: TFGraph, inputs: [TFTensorInfo], output: TFTensorInfo) {
        let outputNode = TFNode.nodeName(ofTensor: output.tensorName)
        guard graph.node(named: outputNode) != nil else { return nil }
        self.output = output
        let order = Self.ancestorsInTopologicalOrder(graph, from: outputNode)
        let ancestors = Set(order)
        ancestorCount = order.count

        // Nodes downstream of an input, within the ancestors: those lie on an input → output path.
        var consumers: [String: [String]] = [:]
        for name in order {
            for input in graph.node(named: name)?.dataInputNodes ?? [] where ancestors.contains(input) {
                consumers[input, default: []].append(name)
            }
        }
        var onPath = Set<String>()
        var frontier = inputs.map { TFNode.nodeName(ofTensor: $0.tensorName) }.filter(ancestors.contains)
        while let name = frontier.popLast() {
            guard onPath.insert(name).inserted else { continue }
            frontier += consumers[name] ?? []
        }
        var seenOps = Set<String>()
        var pathOps: [String] = []
        for name in order where onPath.contains(name) {
            if let op = graph.node(named: name)?.op, seenOps.insert(op).inserted { pathOps.append(op) }
        }
        self.pathOps = pathOps
        pathNodeCount = onPath.count
        nearestResize = Self.nearestResize(graph, from: outputNode)

        let nodes = order.compactMap(graph.node(named:))
        notable = Self.notableOps.compactMap { op in
            let names = nodes.filter { $0.op == op }.map(\.name)
            return names.isEmpty ? nil : (op, names)
        }
        epsilons = Self.epsilons(graph, nodes)
        let variables = nodes.filter { Self.variableOps.contains($0.op) }
        accumulatorVariables = variables.filter { $0.name.contains("accumulated_") }.count
        counterVariables = variables.filter { $0.name.contains("accumulation_counter") }.count
    }

    /// Every node the output depends on through data inputs, inputs before their consumers (iterative DFS).
    private static func ancestorsInTopologicalOrder(_ graph: TFGraph, from root: String) -> [String] {
        var order: [String] = []
        var visited = Set<String>()
        var stack: [(name: String, expanded: Bool)] = [(root, false)]
        while let (name, expanded) = stack.popLast() {
            if expanded {
                order.append(name)
                continue
            }
            guard visited.insert(name).inserted, let node = graph.node(named: name) else { continue }
            stack.append((name, true))
            for input in node.dataInputNodes.reversed() where !visited.contains(input) { stack.append((input, false)) }
        }
        return order
    }

    private static func nearestResize(_ graph: TFGraph, from root: String) -> (node: TFNode, opsBetween: Int)? {
        var queue = [(name: root, depth: 0)]
        var visited: Set = [root]
        var head = 0
        while head < queue.count {
            let (name, depth) = queue[head]
            head += 1
            guard let node = graph.node(named: name) else { continue }
            if node.op.hasPrefix("Resize") || node.op == "ScaleAndTranslate" { return (node, depth) }
            for input in node.dataInputNodes where visited.insert(input).inserted { queue.append((input, depth + 1)) }
        }
        return nil
    }

    /// `epsilon` / `variance_epsilon` attributes (FusedBatchNorm*, BatchNormWithGlobalNormalization) and scalar
    /// constants added to a variance before `Rsqrt`/`Sqrt`.
    private static func epsilons(_ graph: TFGraph, _ nodes: [TFNode]) -> [Epsilon] {
        var counts: [String: [Float: Int]] = [:]
        var sources: [String] = []
        func record(_ source: String, _ value: Float) {
            if counts[source] == nil { sources.append(source) }
            counts[source, default: [:]][value, default: 0] += 1
        }
        for node in nodes {
            for attr in ["epsilon", "variance_epsilon"] {
                if case .float(let value) = node.attrs[attr] { record("\(node.op).\(attr)", value) }
            }
            // Hub exporters strip attributes equal to the OpDef default (FusedBatchNorm*'s epsilon: 0.0001).
            if node.op.hasPrefix("FusedBatchNorm"), node.attrs["epsilon"] == nil {
                record("\(node.op).epsilon (OpDef default)", 1e-4)
            }
            guard node.op == "Rsqrt" || node.op == "Sqrt",
                let add = node.dataInputNodes.first.flatMap(graph.node(named:)),
                add.op == "Add" || add.op == "AddV2"
            else { continue }
            for input in add.dataInputNodes {
                if let value = scalarConstant(graph, input) { record("\(node.op)(\(add.op)(x, Const))", value) }
            }
        }
        return sources.flatMap { source in
            (counts[source] ?? [:]).sorted { $0.key < $1.key }.map {
                Epsilon(source: source, value: $0.key, count: $0.value)
            }
        }
    }

    /// The value of a one-element float constant, looking through `Identity`.
    private static func scalarConstant(_ graph: TFGraph, _ name: String) -> Float? {
        var node = graph.node(named: name)
        while let n = node, n.op == "Identity" { node = n.dataInputNodes.first.flatMap(graph.node(named:)) }
        guard let n = node, n.op == "Const", case .tensor(let t) = n.attrs["value"], let values = t.values,
            values.count == 1
        else { return nil }
        return Float(values[0])
    }
}
