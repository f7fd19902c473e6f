import Foundation
import TensorFlowGraph
import Tensors

/// One signature of a module, ready to run on a backend: pruned to the requested outputs, its variables bound,
/// everything that depends only on constants and variables computed once at load (spectral-norm power steps,
/// batch-norm arithmetic, shape computations), and the rest lowered to the backend's ops at each run.
public final class GraphProgram {
    /// The signature this program runs.
    public var signature: TFSignature { plan.signature }
    /// The outputs it computes, in the order requested.
    public var outputs: [TFTensorInfo] { plan.outputs }
    /// The backend it runs on.
    public let backend: any Backend

    let plan: GraphPlan
    /// Values computed at load, by node.
    var constants: [String: [GraphValue]] = [:]
    /// Constant host values uploaded to `backend`, by tensor name.
    private var uploads: [String: Tensor] = [:]
    /// The nodes that run at each run, in order.
    let runtimeNodes: [TFNode]
    /// How many runtime nodes read each node's outputs (a value is dropped after its last reader).
    let readers: [String: Int]
    /// The nodes whose outputs the signature returns: kept to the end of a run, never absorbed into a fused group.
    let outputNodes: Set<String>
    let random: RandomSource
    /// Nodes run as one backend call (`FusedGroup`), by the node whose value each stands for.
    var groups: [String: FusedGroup] = [:]
    /// The members of a group other than its result: never run on their own.
    var absorbed: Set<String> = []

    /// Prepares signature `name` of `module` (all outputs, or the keys in `outputs`) for `backend`. Throws
    /// `GraphError` before any compute when an op or attribute is unsupported, a variable is missing, or the graph is
    /// malformed.
    public init(
        module: GraphModule, signature name: String, outputs requested: [String]? = nil, backend: any Backend
    ) throws {
        let plan = try GraphPlan(graph: module.metaGraph.graph, signature: module.signature(name), outputs: requested)
        if let problem = plan.unsupported.first { throw problem.error }
        self.plan = plan
        self.backend = backend
        random = RandomSource(seed: 0)
        let runtimeNodes = plan.order.filter { plan.placement[$0.name] != .constant }
        self.runtimeNodes = runtimeNodes
        var readers: [String: Int] = [:]
        for node in runtimeNodes {
            for input in node.dataInputNodes { readers[input, default: 0] += 1 }
        }
        self.readers = readers
        outputNodes = Set(plan.outputs.map { GraphPlan.TensorReference($0.tensorName).node })
        try fold(module)
    }

    /// Runs the program on `feeds` (signature input key → tensor of this program's backend) and returns every
    /// requested output by key. The graph's random ops draw, in execution order, from one `SeededRandom(seed:
    /// noiseSeed)` stream: a graph whose only random op is a `RandomStandardNormal` [N, 120] draws exactly the ε of
    /// the native encoder's `z_sample` for the same seed. Throws `GraphError.badFeed` for a missing or misshapen input.
    public func run(_ feeds: [String: Tensor], noiseSeed: UInt64 = 0) throws -> [String: Tensor] {
        random.generator = SeededRandom(seed: noiseSeed)
        var values = constants
        var remaining = readers
        for (node, info) in plan.feeds where plan.placement[node] != nil {
            guard let tensor = feeds[info.key] else {
                throw GraphError.badFeed(key: info.key, detail: "missing (the signature needs it)")
            }
            try Self.check(tensor.shape, against: info)
            values[node] = [.device(tensor, info.dtype.base)]
        }
        for node in runtimeNodes where plan.feeds[node.name] == nil && !absorbed.contains(node.name) {
            let members = groups[node.name]?.members ?? [node]
            if let group = groups[node.name] {
                values[node.name] = try run(group, values: values)
            } else {
                values[node.name] = try evaluate(
                    node, inputs: inputs(of: node, in: values), backend: backend, constant: false)
            }
            // Drop each value after its last reader.
            for member in members {
                for input in member.dataInputNodes {
                    remaining[input, default: 0] -= 1
                    if remaining[input] == 0, constants[input] == nil, !outputNodes.contains(input) {
                        values[input] = nil
                    }
                }
            }
        }
        var result: [String: Tensor] = [:]
        for output in plan.outputs {
            let reference = GraphPlan.TensorReference(output.tensorName)
            guard let value = values[reference.node]?[safe: reference.index] else {
                throw GraphError.malformedGraph(node: reference.node, detail: "output '\(output.key)' has no value")
            }
            switch value {
            case .device(let t, _): result[output.key] = t
            case .host(let a): result[output.key] = try backend.upload(a.hostTensor)
            }
        }
        return result
    }

    /// The values of `node`'s data inputs.
    func inputs(of node: TFNode, in values: [String: [GraphValue]]) throws -> [GraphValue] {
        try node.inputs.filter { !$0.hasPrefix("^") }.map { name in try value(name, in: values, reader: node.name) }
    }

    func value(_ name: String, in values: [String: [GraphValue]], reader: String) throws -> GraphValue {
        let reference = GraphPlan.TensorReference(name)
        guard let value = values[reference.node]?[safe: reference.index] else {
            throw GraphError.malformedGraph(node: reader, detail: "input '\(name)' has no value")
        }
        return value
    }

    /// Checks a fed shape against the signature's static shape (−1 matches any size).
    private static func check(_ shape: Shape, against info: TFTensorInfo) throws {
        guard let expected = info.shape, !expected.unknownRank else { return }
        let fits =
            expected.dims.count == shape.rank
            && zip(expected.dims, shape.dims).allSatisfy { $0 < 0 || Int($0) == $1 }
        guard fits else { throw GraphError.badFeed(key: info.key, detail: "shape \(shape), expected \(expected)") }
    }

    // MARK: folding

    /// Computes every constant node once on a private CPU reference backend, then moves the float results the
    /// runtime nodes read to `backend`.
    private func fold(_ module: GraphModule) throws {
        let cpu = CPUBackend()
        for node in plan.order where plan.placement[node.name] == .constant {
            let inputs = try node.inputs.filter { !$0.hasPrefix("^") }.map { name -> GraphValue in
                let reference = GraphPlan.TensorReference(name)
                guard let value = constants[reference.node]?[safe: reference.index] else {
                    throw GraphError.malformedGraph(node: node.name, detail: "input '\(name)' has no value")
                }
                return value
            }
            var outputs =
                try source(node, module: module, cpu: cpu)
                ?? evaluate(node, inputs: inputs, backend: cpu, constant: true)
            // Integer and boolean results are kept exact on the host.
            outputs = try outputs.map { value in
                if case .device(let t, let dtype) = value, !dtype.isFloatingPoint {
                    return .host(HostArray(try cpu.download(t), dtype: dtype))
                }
                return value
            }
            constants[node.name] = outputs
        }
        try findGroups(cpu: cpu)
        // Move what the runtime reads to the target backend; keep nothing else.
        var needed: Set<String> = []
        for node in runtimeNodes where !absorbed.contains(node.name) {
            needed.formUnion((groups[node.name]?.members ?? [node]).flatMap(\.dataInputNodes))
            if case .linear(let weight, let bias, _, _, _) = groups[node.name]?.kind {
                needed.formUnion([weight, bias].compactMap { $0.map { GraphPlan.TensorReference($0).node } })
            }
        }
        needed.formUnion(outputNodes)
        // Constants a runtime op reads on the host (sizes, pad values…) stay host values, so no run downloads them.
        var readOnHost: Set<String> = []
        for node in runtimeNodes {
            guard let op = GraphOps.all[node.op] else { continue }
            let inputs = node.dataInputNodes
            for i in (op.hostOnly ? Set(inputs.indices) : op.hostInputs) where i < inputs.count {
                readOnHost.insert(inputs[i])
            }
        }
        for name in constants.keys {
            guard needed.contains(name) else {
                constants[name] = nil
                continue
            }
            constants[name] = try constants[name]!.map { value in
                guard case .device(let t, let dtype) = value else { return value }
                if readOnHost.contains(name) { return .host(HostArray(try cpu.download(t), dtype: dtype)) }
                return .device(try backend.upload(cpu.download(t)), dtype)
            }
        }
    }

    /// Values of graph sources: constants and variables; nil for other ops.
    private func source(_ node: TFNode, module: GraphModule, cpu: CPUBackend) throws -> [GraphValue]? {
        switch node.op {
        case "Const":
            guard case .tensor(let proto) = node.attrs["value"], let elements = proto.elements,
                proto.shape.dims.allSatisfy({ $0 >= 0 })
            else {
                throw GraphError.unsupportedOp(
                    op: node.op, node: node.name, output: plan.neededBy[node.name] ?? "",
                    detail: "constant of a type or shape this engine cannot hold")
            }
            return [
                .host(
                    HostArray(dtype: proto.dtype, shape: proto.shape.dims.map { Int($0) }, elements: elements)
                        .rounded(to: proto.dtype))
            ]
        case "VariableV2", "Variable", "VarHandleOp":
            var name = node.name
            if node.op == "VarHandleOp", case .string(let shared) = node.attrs["shared_name"], !shared.isEmpty {
                name = shared
            }
            do {
                return [.device(try cpu.upload(module.variable(name)), .float)]
            } catch {
                throw GraphError.variable(node: node.name, detail: "\(error)")
            }
        default:
            return nil
        }
    }

    // MARK: evaluation

    /// Runs one node: pass-throughs directly, then the exact host path when every input is on the host, else the
    /// backend path.
    func evaluate(
        _ node: TFNode, inputs: [GraphValue], backend: any Backend, constant: Bool,
        epilogue: OpContext.Epilogue? = nil
    ) throws -> [GraphValue] {
        if GraphOps.passThrough.contains(node.op) || node.op == "PlaceholderWithDefault" {
            guard let first = inputs.first else {
                throw GraphError.malformedGraph(node: node.name, detail: "\(node.op) without an input")
            }
            return [first]
        }
        guard let op = GraphOps.all[node.op] else {
            throw GraphError.unsupportedOp(
                op: node.op, node: node.name, output: plan.neededBy[node.name] ?? "", detail: "no implementation")
        }
        var inputs = inputs
        for i in (op.hostOnly ? Set(inputs.indices) : op.hostInputs) where i < inputs.count {
            if case .device(let t, let dtype) = inputs[i] {
                inputs[i] = .host(HostArray(try backendOf(t, fallback: backend).download(t), dtype: dtype))
            }
        }
        let references = node.inputs.filter { !$0.hasPrefix("^") }
        let context = OpContext(
            node: node, inputs: inputs, backend: backend,
            upload: { [unowned self] i in
                try self.upload(inputs[i], name: references[i], backend: backend, constant: constant)
            },
            random: random, epilogue: epilogue)
        do {
            // Shape-like and random ops read only their inputs' shapes and their host inputs.
            if let host = op.host, op.alwaysHost || inputs.allSatisfy({ $0.host != nil }),
                let result = try host(context)
            {
                return result.map { .host($0) }
            }
            guard let device = op.device else {
                throw context.failure("needs every input on the host")
            }
            return try device(context)
        } catch let error as GraphError {
            throw error
        } catch {
            throw context.failure("\(error)")
        }
    }

    /// A host value as a tensor of `backend`; constants are uploaded once.
    func upload(_ value: GraphValue, name: String, backend: any Backend, constant: Bool) throws -> Tensor {
        let a: HostArray
        switch value {
        case .device(let t, _): return t
        case .host(let array): a = array
        }
        let reference = GraphPlan.TensorReference(name)
        let cacheable = !constant && backend === self.backend && constants[reference.node] != nil
        if cacheable, let cached = uploads[reference.name] { return cached }
        let tensor = try backend.upload(a.hostTensor)
        if cacheable { uploads[reference.name] = tensor }
        return tensor
    }

    /// The program's backend when `tensor` is its, else `fallback` (the folding backend).
    private func backendOf(_ tensor: Tensor, fallback: any Backend) -> any Backend {
        tensor.owner == ObjectIdentifier(backend) ? backend : fallback
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
