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
            activation: c.epilogue?.activation ?? .none, inputUpsampling: c.epilogue?.inputUpsampling ?? 1)
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

    /// `BatchMatMul*`: a [..., M, K] · b [..., K, N] with `adj_x` / `adj_y`; the batch axes broadcast as NumPy's do
    /// (aligned at the last, each equal or 1), so the output's batch axes have the larger rank. A b whose batch axes
    /// are all 1 is shared by one [batch·M, K] · [K, N] product; otherwise an operand whose batch axes are smaller
    /// than the broadcast ones is tiled to them first.
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
            let (batchA, batchB) = (Array(a.shape.dims.dropLast(2)), Array(b.shape.dims.dropLast(2)))
            let rank = max(batchA.count, batchB.count)
            let paddedA = [Int](repeating: 1, count: rank - batchA.count) + batchA
            let paddedB = [Int](repeating: 1, count: rank - batchB.count) + batchB
            guard zip(paddedA, paddedB).allSatisfy({ $0 == $1 || $0 == 1 || $1 == 1 }) else {
                throw c.failure("batch axes \(batchA) and \(batchB) do not broadcast")
            }
            let batch = zip(paddedA, paddedB).map { $0 == 1 ? $1 : $0 }
            let count = batch.reduce(1, *)
            let (m, k) = (a.shape[-2], a.shape[-1])
            let options = MatMulOptions(transposeB: c.bool("adj_y"))
            let n = options.transposeB ? b.shape[-2] : b.shape[-1]
            let product: Tensor
            if batchB.allSatisfy({ $0 == 1 }) {
                // Shared b: a already has the broadcast batch axes (b's are all 1).
                let matrix = try b.reshaped(Shape(Array(b.shape.dims.suffix(2))))
                product = try c.backend.matmul(a.reshaped([count * m, k]), matrix, bias: nil, options: options)
            } else {
                /// `t` with batch axes `padded` tiled to `batch`.
                func broadcast(_ t: Tensor, _ padded: [Int]) throws -> Tensor {
                    let matrix = Array(t.shape.dims.suffix(2))
                    guard padded != batch else { return try t.reshaped(Shape([count] + matrix)) }
                    let tiled = try c.backend.tile(
                        t.reshaped(Shape(padded + matrix)),
                        multiples: zip(padded, batch).map { $0 == $1 ? 1 : $1 } + [1, 1])
                    return try tiled.reshaped(Shape([count] + matrix))
                }
                product = try c.backend.matmul(
                    broadcast(a, paddedA), broadcast(b, paddedB), bias: nil, options: options)
            }
            return [.device(try product.reshaped(Shape(batch + [m, n])), c.inputs[0].dtype)]
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
