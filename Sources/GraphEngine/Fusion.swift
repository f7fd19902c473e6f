import TensorFlowGraph
import Tensors

/// Nodes run as one backend call, the way the native models run their layers:
/// - `linear`: a `Conv2D` (optionally reading a `ResizeNearestNeighbor` 2× of its input, read in the kernel as the
///   native generator does) or `MatMul` followed by any of, in this order: an inference `FusedBatchNorm*` with constant
///   parameters (folded into the weight and a bias at load), a constant bias vector (`BiasAdd`, or `Add`/`AddV2` of a
///   [C] constant), a residual `Add`/`AddV2` of a tensor of the same shape (convolutions only), and a `Relu`;
/// - `attention`: `BatchMatMul*(q, kᵀ)` (`adj_y`, or a stored transpose) → `Softmax` → `BatchMatMul*(·, v)` as the
///   fused attention kernel.
///
/// Every node but the last must have that one reader and not be a requested output.
struct FusedGroup {
    enum Kind {
        /// Folded weight and bias are constant tensor names (synthetic for a folded batch norm); `residual` a runtime
        /// tensor name; `upsampled`, the tensor a nearest resize member doubles (the convolution reads it upsampled).
        case linear(weight: String?, bias: String?, residual: String?, activation: Activation, upsampled: String?)
        /// `keyIsTransposed`: the first product multiplies by k as stored ([N, D, Lk], `adj_y` false), so the key is
        /// transposed to [N, Lk, D] first.
        case attention(key: String, value: String, keyIsTransposed: Bool)
    }

    /// The convolution, product or first batched product: its inputs are gathered as usual.
    let anchor: TFNode
    let kind: Kind
    /// Every node of the group in execution order, the node it stands for last; the anchor first, or second after
    /// the resize it reads upsampled.
    let members: [TFNode]

    /// The node whose value the group's result is.
    var result: TFNode { members[members.count - 1] }
}

/// Finds the groups among a program's runtime nodes.
struct FusionFinder {
    let nodes: [TFNode]
    let readers: [String: Int]
    /// Requested output nodes, never absorbed.
    let outputs: Set<String>
    /// A constant tensor's shape, nil for run-time values.
    let constantShape: (String) -> [Int]?

    private var consumers: [String: TFNode] {
        var consumer: [String: TFNode] = [:]
        for node in nodes {
            for input in node.inputs where !input.hasPrefix("^") {
                consumer[GraphPlan.TensorReference(input).name] = node
            }
        }
        return consumer
    }

    /// A group per fusable anchor; `foldBatchNorm` is told each (anchor, batch norm) pair whose statistics it folds
    /// and returns the names of the folded weight and bias, or nil when it cannot.
    func groups(foldBatchNorm: (TFNode, TFNode) throws -> (weight: String, bias: String)?) rethrows -> [FusedGroup] {
        let consumer = consumers
        var groups: [FusedGroup] = []
        var taken: Set<String> = []
        /// The one reader of output 0 of `node`, when `node` may be absorbed and the reader is in no other group.
        func soleReader(_ node: TFNode) -> TFNode? {
            guard readers[node.name] == 1, !outputs.contains(node.name),
                let reader = consumer["\(node.name):0"], !taken.contains(reader.name)
            else { return nil }
            return reader
        }
        func data(_ node: TFNode) -> [String] { node.inputs.filter { !$0.hasPrefix("^") } }
        let producer = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for anchor in nodes where !taken.contains(anchor.name) {
            if ["Conv2D", "MatMul"].contains(anchor.op) {
                let inputs = data(anchor)
                guard inputs.count == 2, let weight = constantShape(inputs[1]), weight.count >= 2 else { continue }
                let transposed = anchor.op == "MatMul" && anchor.attrs["transpose_b"] == .bool(true)
                let channels = transposed ? weight[0] : weight[weight.count - 1]
                var members = [anchor]
                var upsampled: String?
                if anchor.op == "Conv2D", let resize = producer[GraphPlan.TensorReference(inputs[0]).node],
                    resize.op == "ResizeNearestNeighbor", resize.attrs["align_corners"] != .bool(true),
                    soleReader(resize)?.name == anchor.name, data(resize).count == 2,
                    constantShape(data(resize)[1]) == [2]
                {
                    members.insert(resize, at: 0)
                    upsampled = data(resize)[0]
                }
                var (foldedWeight, bias, residual): (String?, String?, String?) = (nil, nil, nil)
                var activation = Activation.none
                if let bn = soleReader(anchor), bn.op.hasPrefix("FusedBatchNorm"), !transposed,
                    data(bn).dropFirst().allSatisfy({ constantShape($0) == [channels] }),
                    let folded = try foldBatchNorm(anchor, bn)
                {
                    members.append(bn)
                    (foldedWeight, bias) = (folded.weight, folded.bias)
                }
                if bias == nil, let add = soleReader(members.last!), ["BiasAdd", "Add", "AddV2"].contains(add.op) {
                    let operands = data(add)
                    let other = operands.first { GraphPlan.TensorReference($0).node != members.last!.name }
                    if operands.count == 2, let other, constantShape(other) == [channels],
                        add.op != "BiasAdd" || operands[1] == other
                    {
                        members.append(add)
                        bias = other
                    }
                }
                if anchor.op == "Conv2D", let add = soleReader(members.last!), ["Add", "AddV2"].contains(add.op) {
                    let operands = data(add)
                    let other = operands.first { GraphPlan.TensorReference($0).node != members.last!.name }
                    if operands.count == 2, let other, constantShape(other) == nil {
                        members.append(add)
                        residual = other
                    }
                }
                if let relu = soleReader(members.last!), relu.op == "Relu" {
                    members.append(relu)
                    activation = .relu
                }
                guard members.count > 1 else { continue }
                groups.append(
                    FusedGroup(
                        anchor: anchor,
                        kind: .linear(
                            weight: foldedWeight, bias: bias, residual: residual, activation: activation,
                            upsampled: upsampled),
                        members: members))
                taken.formUnion(members.map(\.name))
            } else if anchor.op.hasPrefix("BatchMatMul"), anchor.attrs["adj_x"] != .bool(true), data(anchor).count == 2,
                let softmax = soleReader(anchor), softmax.op == "Softmax",
                let product = soleReader(softmax), product.op.hasPrefix("BatchMatMul"),
                product.attrs["adj_x"] != .bool(true), product.attrs["adj_y"] != .bool(true),
                data(product).count == 2, GraphPlan.TensorReference(data(product)[0]).node == softmax.name
            {
                groups.append(
                    FusedGroup(
                        anchor: anchor,
                        kind: .attention(
                            key: data(anchor)[1], value: data(product)[1],
                            keyIsTransposed: anchor.attrs["adj_y"] != .bool(true)),
                        members: [anchor, softmax, product]))
                taken.formUnion([anchor.name, softmax.name, product.name])
            }
        }
        return groups
    }
}
