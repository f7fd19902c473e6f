import TensorFlowGraph
import Tensors

/// Convolution, matrix products, batch norm, pooling and softmax, lowered to the backends' kernels (the same ones
/// the native models use: Winograd, tiled GEMM or direct convolution, chosen per convolution).
enum NeuralOps {
    static let all: [String: GraphOp] = [
        "Conv2D": GraphOp(
            check: AttributeChecks.all(
                AttributeChecks.nhwc, AttributeChecks.floatType, paddingCheck,
                { node in
                    squareWindow(node, "strides").flatMap { "strides \($0)" }
                        ?? squareWindow(node, "dilations").flatMap { "dilations \($0)" }
                }),
            device: { c in
                let y = try c.backend.conv2d(
                    c.tensor(0), weight: c.tensor(1), bias: c.epilogue?.bias, residual: c.epilogue?.residual,
                    options: conv2dOptions(c))
                return [.device(y, c.inputs[0].dtype)]
            }),
        "MatMul": GraphOp(
            check: AttributeChecks.floatType,
            device: { c in
                var a = try c.tensor(0)
                if c.bool("transpose_a") { a = try c.backend.transpose(a, permutation: [1, 0]) }
                let options = MatMulOptions(
                    transposeB: c.bool("transpose_b"), activation: c.epilogue?.activation ?? .none)
                let y = try c.backend.matmul(a, c.tensor(1), bias: c.epilogue?.bias, options: options)
                return [.device(y, c.inputs[0].dtype)]
            }),
        "BatchMatMul": batchMatMul,
        "BatchMatMulV2": batchMatMul,
        "BatchMatMulV3": batchMatMul,
        "FusedBatchNorm": fusedBatchNorm,
        "FusedBatchNormV2": fusedBatchNorm,
        "FusedBatchNormV3": fusedBatchNorm,
        "Softmax": GraphOp(
            check: AttributeChecks.floatType,
            device: { c in
                [.device(try c.backend.softmax(c.tensor(0)), c.inputs[0].dtype)]
            }),
        "MaxPool": pool(.max),
        "AvgPool": pool(.average),
    ]

    /// The `Conv2D` node's options, with the fused epilogue's activation.
    private static func conv2dOptions(_ c: OpContext) throws -> Conv2DOptions {
        Conv2DOptions(
            stride: try window(c, "strides"), padding: try padding(c), dilation: try window(c, "dilations", default: 1),
            activation: c.epilogue?.activation ?? .none)
    }

    /// The output shape of a `Conv2D` or `MatMul` node (for a fused group deciding whether its residual fits).
    static func outputShape(_ c: OpContext) throws -> Shape {
        let (x, w) = (c.inputs[0].shape, c.inputs[1].shape)
        if c.node.op == "Conv2D" {
            return try Conv2D.geometry(
                input: Shape(x), weight: Shape(w), bias: nil, residual: nil, options: conv2dOptions(c)
            ).outputShape
        }
        let a = c.bool("transpose_a") ? Shape(x.reversed()) : Shape(x)
        return try MatMul.geometry(
            a: a, b: Shape(w), bias: nil, options: MatMulOptions(transposeB: c.bool("transpose_b"))
        )
        .outputShape
    }

    /// A problem with an NHWC window attribute ([1, s, s, 1]), or nil.
    private static func squareWindow(_ node: TFNode, _ name: String) -> String? {
        guard case .list(let items) = node.attrs[name] else { return nil }
        let values = items.compactMap { item -> Int64? in
            if case .int(let v) = item { return v }
            return nil
        }
        guard values.count == 4, values[0] == 1, values[3] == 1, values[1] == values[2], values[1] >= 1 else {
            return "\(values) (only [1, s, s, 1])"
        }
        return nil
    }

    private static func window(_ c: OpContext, _ name: String, default value: Int? = nil) throws -> Int {
        guard c.node.attrs[name] != nil || value == nil else { return value! }
        let values = try c.ints(name)
        guard values.count == 4 else { throw c.failure("\(name) \(values)") }
        return values[1]
    }

    private static func padding(_ c: OpContext) throws -> Padding {
        switch c.string("padding") {
        case "SAME": return .same
        case "VALID": return .valid
        case "EXPLICIT":
            let p = try c.ints("explicit_paddings")
            guard p.count == 8, p[0] == 0, p[1] == 0, p[6] == 0, p[7] == 0 else {
                throw c.failure("explicit_paddings \(p) (only the spatial axes of NHWC)")
            }
            return .explicit(top: p[2], bottom: p[3], left: p[4], right: p[5])
        case let other: throw c.failure("padding \(other ?? "none")")
        }
    }

    private static func paddingCheck(_ node: TFNode) -> String? {
        guard case .string(let p) = node.attrs["padding"] else { return "no padding attribute" }
        return ["SAME", "VALID", "EXPLICIT"].contains(p) ? nil : "padding \(p)"
    }

    private static func pool(_ kind: PoolKind) -> GraphOp {
        GraphOp(
            check: AttributeChecks.all(
                AttributeChecks.nhwc, AttributeChecks.floatType, paddingCheck,
                { node in
                    squareWindow(node, "ksize").flatMap { "ksize \($0)" }
                        ?? squareWindow(node, "strides").flatMap { "strides \($0)" }
                }),
            device: { c in
                let options = Pool2DOptions(
                    kind: kind, window: try window(c, "ksize"), stride: try window(c, "strides"),
                    padding: try padding(c))
                return [.device(try c.backend.pool2d(c.tensor(0), options: options), c.inputs[0].dtype)]
            })
    }

    /// `BatchMatMul*`: a [..., M, K] · b [..., K, N] with `adj_x` / `adj_y`; the batch axes must be equal, or b has none
    /// (or only 1s).
    private static let batchMatMul = GraphOp(
        check: AttributeChecks.floatType,
        device: { c in
            var (a, b) = (try c.tensor(0), try c.tensor(1))
            guard a.shape.rank >= 2, b.shape.rank >= 2 else {
                throw c.failure("operands \(a.shape), \(b.shape) need rank ≥ 2")
            }
            let swapLast = { (t: Tensor) throws -> Tensor in
                var p = Array(0 ..< t.shape.rank)
                p.swapAt(p.count - 1, p.count - 2)
                return try c.backend.transpose(t, permutation: p)
            }
            if c.bool("adj_x") { a = try swapLast(a) }
            let batchA = Array(a.shape.dims.dropLast(2))
            var batchB = Array(b.shape.dims.dropLast(2))
            if batchB.allSatisfy({ $0 == 1 }) {
                b = try b.reshaped(Shape(Array(b.shape.dims.suffix(2))))
                batchB = []
            }
            let (m, k) = (a.shape[-2], a.shape[-1])
            let options = MatMulOptions(transposeB: c.bool("adj_y"))
            let n = options.transposeB ? b.shape[-2] : b.shape[-1]
            let product: Tensor
            if batchB.isEmpty {
                // Shared b: one [batch·M, K] · [K, N] product.
                product = try c.backend.matmul(
                    a.reshaped([batchA.reduce(1, *) * m, k]), b, bias: nil, options: options)
            } else {
                guard batchA == batchB else { throw c.failure("batch axes \(batchA) and \(batchB) differ") }
                let batch = batchA.reduce(1, *)
                let b3 = try b.reshaped(Shape([batch] + Array(b.shape.dims.suffix(2))))
                product = try c.backend.matmul(a.reshaped([batch, m, k]), b3, bias: nil, options: options)
            }
            return [.device(try product.reshaped(Shape(batchA + [m, n])), c.inputs[0].dtype)]
        })

    /// Inference batch norm with the stored statistics; the extra outputs pass the statistics through, as TensorFlow's
    /// inference kernel does.
    private static let fusedBatchNorm = GraphOp(
        check: AttributeChecks.all(
            AttributeChecks.nhwc, AttributeChecks.floatType,
            { node in
                // The OpDef default of is_training is true, so an absent attribute (stripped default) means training mode.
                if case .bool(false) = node.attrs["is_training"] { return nil }
                return "is_training = true (only inference)"
            }),
        device: { c in
            let parameters = BatchNormParameters(
                mean: try c.tensor(3), variance: try c.tensor(4), scale: try c.tensor(1), offset: try c.tensor(2),
                epsilon: c.float("epsilon", default: 1e-4))
            let y = try c.backend.batchNorm(c.tensor(0), parameters: parameters, activation: .none)
            let statistics: [GraphValue] = [c.inputs[3], c.inputs[4], c.inputs[3], c.inputs[4]]
            return [.device(y, c.inputs[0].dtype)] + statistics + (c.node.op == "FusedBatchNormV3" ? [c.inputs[3]] : [])
        })
}
