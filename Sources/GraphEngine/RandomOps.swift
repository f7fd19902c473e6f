import TensorFlowGraph
import Tensors

/// `RandomStandardNormal`, `RandomUniform` and `TruncatedNormal`, drawn from the program's seeded noise stream
/// (the graph's own `seed`/`seed2` attributes are ignored: TensorFlow's generator is not reproduced, only the
/// distribution).
enum RandomOps {
    static let all: [String: GraphOp] = [
        "RandomStandardNormal": random { generator in Double(generator.normal()) },
        "RandomUniform": random { generator in Double(generator.uniform(in: 0 ..< 1)) },
        "TruncatedNormal": random { generator in
            // TensorFlow redraws values more than two standard deviations from the mean.
            while true {
                let value = generator.normal()
                if abs(value) <= 2 { return Double(value) }
            }
        },
    ]

    private static func random(_ draw: @escaping @Sendable (inout SeededRandom) -> Double) -> GraphOp {
        GraphOp(
            hostInputs: [0], alwaysHost: true, isRandom: true,
            check: { node in
                guard case .type(let t) = node.attrs["dtype"] else { return nil }
                return t.isFloatingPoint ? nil : "random values of type \(t)"
            },
            host: { c in
                let shape = try c.integers(0, "shape")
                guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) <= 1 << 28 else {
                    throw c.failure("shape \(shape)")
                }
                let elements = (0 ..< shape.reduce(1, *)).map { _ in draw(&c.random.generator) }
                return [
                    HostArray(dtype: c.type("dtype") ?? .float, shape: shape, elements: elements).rounded(to: .float)
                ]
            })
    }
}
