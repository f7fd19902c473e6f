import TensorFlowGraph
import Tensors

/// A convolution or matrix product run with a bias and ReLU in its epilogue, as the native models' layers are: the
/// pattern `Conv2D`/`MatMul` → `BiasAdd` (or `Add`/`AddV2` of a constant vector) → optionally `Relu`, where each
/// intermediate has no other reader and is not a requested output.
struct Epilogue {
    /// The constant bias's tensor name.
    let bias: String
    let activation: Activation
    /// The node whose value the fused result stands for (the bias add, or the ReLU).
    let result: String
    /// The nodes the fused kernel replaces; they are not run.
    let absorbed: [String]

    /// Finds every fusable chain among `nodes` (in execution order). `readers` counts each node's runtime readers,
    /// `outputs` are the requested output nodes, and `constantShape` gives a constant tensor's shape (nil for
    /// values computed at run time).
    static func find(
        in nodes: [TFNode], readers: [String: Int], outputs: Set<String>, constantShape: (String) -> [Int]?
    ) -> [String: Epilogue] {
        var consumer: [String: TFNode] = [:]
        for node in nodes {
            for input in node.inputs where !input.hasPrefix("^") { consumer[input] = node }
        }
        /// The single runtime reader of `node`'s only output, if it may be absorbed.
        func soleReader(_ node: TFNode) -> TFNode? {
            guard readers[node.name] == 1, !outputs.contains(node.name) else { return nil }
            return consumer[node.name] ?? consumer[node.name + ":0"]
        }
        var found: [String: Epilogue] = [:]
        for node in nodes where ["Conv2D", "MatMul"].contains(node.op) {
            let inputs = node.inputs.filter { !$0.hasPrefix("^") }
            guard inputs.count == 2, let weight = constantShape(inputs[1]), weight.count >= 2 else { continue }
            let transposed = node.op == "MatMul" && node.attrs["transpose_b"] == .bool(true)
            let channels = transposed ? weight[0] : weight[weight.count - 1]
            guard let add = soleReader(node), ["BiasAdd", "Add", "AddV2"].contains(add.op) else { continue }
            let addInputs = add.inputs.filter { !$0.hasPrefix("^") }
            guard addInputs.count == 2,
                let bias = addInputs.first(where: { TFNode.nodeName(ofTensor: $0) != node.name }),
                add.op == "BiasAdd" ? addInputs[1] == bias : true,
                constantShape(bias) == [channels]
            else { continue }
            if let relu = soleReader(add), relu.op == "Relu" {
                found[node.name] = Epilogue(
                    bias: bias, activation: .relu, result: relu.name, absorbed: [add.name, relu.name])
            } else {
                found[node.name] = Epilogue(bias: bias, activation: .none, result: add.name, absorbed: [add.name])
            }
        }
        return found
    }
}
