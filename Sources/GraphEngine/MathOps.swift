import Foundation
import TensorFlowGraph
import Tensors

/// Elementwise arithmetic, comparisons and reductions. Floating-point arithmetic runs on the backends (folded at
/// load on the CPU reference); integer and boolean arithmetic (shape computations) runs exactly on the host.
enum MathOps {
    static let all: [String: GraphOp] = {
        var ops: [String: GraphOp] = [:]
        let binaries: [(String, BinaryOp)] = [
            ("Add", .add(scale: 1)), ("AddV2", .add(scale: 1)), ("Sub", .subtract), ("Mul", .multiply),
            ("RealDiv", .divide), ("Div", .divide), ("Maximum", .maximum), ("Minimum", .minimum),
        ]
        for (name, op) in binaries { ops[name] = binary(op) }
        ops["BiasAdd"] = GraphOp(
            check: AttributeChecks.nhwc,
            device: { c in
                [.device(try c.backend.binary(c.tensor(0), c.tensor(1), .add(scale: 1)), c.inputs[0].dtype)]
            })
        ops["SquaredDifference"] = GraphOp(
            host: integerHost { a, b in (a - b) * (a - b) },
            device: { c in
                let difference = try c.backend.binary(c.tensor(0), c.tensor(1), .subtract)
                return [.device(try c.backend.unary(difference, .square), c.inputs[0].dtype)]
            })
        ops["FloorDiv"] = GraphOp(hostOnly: true, host: integerHost { a, b in (a / b).rounded(.down) })
        ops["FloorMod"] = GraphOp(hostOnly: true, host: integerHost { a, b in a - b * (a / b).rounded(.down) })
        let comparisons: [(String, BinaryOp)] = [
            ("Greater", .greater), ("GreaterEqual", .greaterEqual), ("Less", .less), ("LessEqual", .lessEqual),
            ("Equal", .equal), ("NotEqual", .notEqual),
        ]
        for (name, op) in comparisons {
            ops[name] = GraphOp(
                host: booleanHost { compare(op, $0, $1) },
                device: { c in
                    [.device(try c.backend.binary(c.tensor(0), c.tensor(1), op), .bool)]
                })
        }
        ops["LogicalAnd"] = GraphOp(hostOnly: true, host: booleanHost { $0 != 0 && $1 != 0 })
        ops["LogicalOr"] = GraphOp(hostOnly: true, host: booleanHost { $0 != 0 || $1 != 0 })
        ops["LogicalNot"] = GraphOp(
            hostOnly: true,
            host: { c in
                let a = try c.host(0, "x")
                return [HostArray(dtype: .bool, shape: a.shape, elements: a.elements.map { $0 == 0 ? 1 : 0 })]
            })
        let unaries: [(String, UnaryOp)] = [
            ("Neg", .negate), ("Square", .square), ("Sqrt", .sqrt), ("Rsqrt", .rsqrt), ("Exp", .exp), ("Log", .log),
            ("Tanh", .tanh), ("Sigmoid", .sigmoid), ("Relu", .relu), ("Relu6", .relu6), ("Elu", .elu),
            ("Softplus", .softplus), ("Abs", .abs), ("Floor", .floor), ("Ceil", .ceil), ("Round", .round),
            ("Sign", .sign), ("Reciprocal", .reciprocal), ("Inv", .reciprocal),
        ]
        for (name, op) in unaries { ops[name] = unary { _ in op } }
        ops["LeakyRelu"] = unary { c in .leakyRelu(alpha: c.float("alpha", default: 0.2)) }
        let reductions: [(String, ReduceOp)] = [("Mean", .mean), ("Sum", .sum), ("Max", .max), ("Min", .min)]
        for (name, op) in reductions { ops[name] = reduction(op) }
        ops["Prod"] = GraphOp(
            hostInputs: [1], hostOnly: true,
            host: { c in
                let (x, axes, keep) = try reductionPlan(c)
                return [x.reduced(axes: axes, keepDimensions: keep, initial: 1, *).rounded(to: x.dtype)]
            })
        ops["AddN"] = GraphOp(device: { c in
            var sum = try c.tensor(0)
            for i in 1 ..< c.inputs.count { sum = try c.backend.binary(sum, c.tensor(i), .add(scale: 1)) }
            return [.device(sum, c.inputs[0].dtype)]
        })
        return ops
    }()

    /// A comparison on exact host values (int64 beyond 2²⁴ included).
    private static func compare(_ op: BinaryOp, _ a: Double, _ b: Double) -> Bool {
        switch op {
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .less: return a < b
        case .lessEqual: return a <= b
        case .equal: return a == b
        default: return a != b
        }
    }

    /// A predicate of two broadcast host values, giving a bool array.
    private static func booleanHost(_ f: @escaping @Sendable (Double, Double) -> Bool)
        -> @Sendable (OpContext) throws
        -> [HostArray]?
    {
        { c in
            let (a, b) = (try c.host(0, "x"), try c.host(1, "y"))
            let (map, shape) = try HostArray.broadcast(a, b)
            let elements = (0 ..< shape.reduce(1, *)).map { i -> Double in
                let (ai, bi) = map(i)
                return f(a.elements[ai], b.elements[bi]) ? 1 : 0
            }
            return [HostArray(dtype: .bool, shape: shape, elements: elements)]
        }
    }

    /// An op on integer host values, or nil for floating-point ones (which run on a backend).
    private static func integerHost(_ f: @escaping @Sendable (Double, Double) -> Double)
        -> @Sendable (OpContext) throws -> [HostArray]?
    {
        { c in
            let (a, b) = (try c.host(0, "x"), try c.host(1, "y"))
            guard !a.dtype.isFloatingPoint else { return nil }
            let (map, shape) = try HostArray.broadcast(a, b)
            let elements = (0 ..< shape.reduce(1, *)).map { i -> Double in
                let (ai, bi) = map(i)
                return f(a.elements[ai], b.elements[bi])
            }
            return [HostArray(dtype: a.dtype, shape: shape, elements: elements).rounded(to: a.dtype)]
        }
    }

    private static func binary(_ op: BinaryOp) -> GraphOp {
        let exact: @Sendable (Double, Double) -> Double = { a, b in
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            case .divide: return (a / b).rounded(.towardZero)
            case .maximum: return max(a, b)
            case .minimum: return min(a, b)
            default: return compare(op, a, b) ? 1 : 0
            }
        }
        return GraphOp(
            host: integerHost(exact),
            device: { c in
                let dtype = c.inputs[0].dtype
                if op == .divide, !dtype.isFloatingPoint {
                    return [.device(try truncatedQuotient(c.tensor(0), c.tensor(1), backend: c.backend), dtype)]
                }
                return [.device(try c.backend.binary(c.tensor(0), c.tensor(1), op), dtype)]
            })
    }

    /// a / b truncated toward zero, for integers held as floats: TensorFlow's integer `Div`, and its integer `Mean`
    /// (the integer sum divided by the count). The float quotient is moved 0.5 / |b| away from zero before it is
    /// truncated: a true quotient that is not an integer lies at least 1 / |b| inside its integer interval, so the
    /// move keeps it there, and one that is an integer but came out a few ULPs short (GLSL division need not be
    /// correctly rounded) is lifted back over it. Exact while |a| < 2²¹, where those ULPs stay below 0.5 / |b|.
    static func truncatedQuotient(_ a: Tensor, _ b: Tensor, backend: any Backend) throws -> Tensor {
        let quotient = try backend.binary(a, b, .divide)
        let half = try backend.upload(HostTensor(shape: [], data: [0.5]))
        let step = try backend.binary(half, backend.unary(b, .abs), .divide)
        let away = try backend.binary(backend.unary(quotient, .sign), step, .multiply)
        return try backend.unary(backend.binary(quotient, away, .add(scale: 1)), .truncate)
    }

    private static func unary(_ op: @escaping @Sendable (OpContext) -> UnaryOp) -> GraphOp {
        GraphOp(
            check: AttributeChecks.floatType,
            device: { c in
                [.device(try c.backend.unary(c.tensor(0), op(c)), c.inputs[0].dtype)]
            })
    }

    // MARK: reductions

    /// The input, its reduced axes (sorted, non-negative) and `keep_dims`.
    private static func reductionPlan(_ c: OpContext) throws -> (HostArray, [Int], Bool) {
        let rank = c.inputs[0].shape.count
        let axes = try Set(c.integers(1, "reduction_indices").map { try c.axis($0, rank: rank) }).sorted()
        return (c.inputs[0].host ?? HostArray(dtype: .float, shape: [], elements: []), axes, c.bool("keep_dims"))
    }

    private static func reduction(_ op: ReduceOp) -> GraphOp {
        GraphOp(
            hostInputs: [1],
            host: { c in
                let (x, axes, keep) = try reductionPlan(c)
                guard !x.dtype.isFloatingPoint else { return nil }
                switch op {
                case .sum: return [x.reduced(axes: axes, keepDimensions: keep, initial: 0, +).rounded(to: x.dtype)]
                case .max: return [x.reduced(axes: axes, keepDimensions: keep, initial: -.infinity, { max($0, $1) })]
                case .min: return [x.reduced(axes: axes, keepDimensions: keep, initial: .infinity, { min($0, $1) })]
                case .mean:
                    let sum = x.reduced(axes: axes, keepDimensions: keep, initial: 0, +)
                    let n = Double(axes.reduce(1) { $0 * x.shape[$1] })
                    return [
                        HostArray(dtype: x.dtype, shape: sum.shape, elements: sum.elements.map { $0 / n }).rounded(
                            to: x.dtype)
                    ]
                }
            },
            device: { c in
                let (_, axes, keep) = try reductionPlan(c)
                let shape = c.inputs[0].shape
                var y: Tensor
                if op == .mean, !c.inputs[0].dtype.isFloatingPoint {
                    // TensorFlow's mean of integers is their sum divided by the count, truncated toward zero.
                    let count = try c.backend.upload(
                        HostTensor(shape: [], data: [Float(axes.reduce(1) { $0 * shape[$1] })]))
                    y = try truncatedQuotient(
                        c.backend.reduce(c.tensor(0), axes: axes, .sum), count, backend: c.backend)
                } else {
                    y = try c.backend.reduce(c.tensor(0), axes: axes, op)
                }
                if keep { y = try y.reshaped(Shape(shape.indices.map { axes.contains($0) ? 1 : shape[$0] })) }
                return [.device(y, c.inputs[0].dtype)]
            })
    }
}

extension HostArray {
    /// Folds `combine` over `axes` (sorted), starting from `initial`.
    func reduced(axes: [Int], keepDimensions: Bool, initial: Double, _ combine: (Double, Double) -> Double) -> HostArray
    {
        let kept = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        let keptStrides = Self.strides(kept)
        var result = [Double](repeating: initial, count: kept.reduce(1, *))
        let strides = Self.strides(shape)
        for i in 0 ..< elements.count {
            var (rest, target) = (i, 0)
            for axis in shape.indices {
                let k = rest / strides[axis]
                rest -= k * strides[axis]
                if !axes.contains(axis) { target += k * keptStrides[axis] }
            }
            result[target] = combine(result[target], elements[i])
        }
        let outputShape = keepDimensions ? kept : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        return HostArray(dtype: dtype, shape: outputShape, elements: result)
    }
}
