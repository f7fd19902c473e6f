import Foundation

/// Elementwise functions of `Backend.unary`, named after TensorFlow's ops.
///
/// Out-of-domain inputs give IEEE 754 results, as TensorFlow's ops do: `sqrt`, `rsqrt` and `log` of a negative
/// number are NaN, `log(±0)` is −∞, `rsqrt(±0)` is ±∞, `sqrt(−0)` is −0, `exp` overflows to +∞ above ≈ 88.7,
/// `reciprocal(±0)` is ±∞, and NaN stays NaN.
public enum UnaryOp: Sendable, Equatable {
    /// max(x, 0).
    case relu
    /// Hyperbolic tangent.
    case tanh
    /// log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|).
    case softplus
    /// −x (TensorFlow's Neg).
    case negate
    /// x².
    case square
    /// √x.
    case sqrt
    /// 1/√x.
    case rsqrt
    /// eˣ.
    case exp
    /// The natural logarithm.
    case log
    /// 1 / (1 + e^−x).
    case sigmoid
    /// min(max(x, 0), 6).
    case relu6
    /// x for x > 0, else alpha·x (TensorFlow's LeakyRelu, whose default alpha is 0.2).
    case leakyRelu(alpha: Float)
    /// x for x ≥ 0, else eˣ − 1 (TensorFlow's Elu, alpha 1).
    case elu
    /// x rounded toward zero: how TensorFlow's Cast from a float to an integer type rounds.
    case truncate
    /// x rounded to the nearest integer, halves to the even one (TensorFlow's Round: 0.5 → 0, 1.5 → 2, −2.5 → −2).
    case round
    /// The largest integer ≤ x.
    case floor
    /// The smallest integer ≥ x.
    case ceil
    /// |x|.
    case abs
    /// −1, 0 or 1 as x is negative, zero or positive (TensorFlow's Sign); sign(±0) = ±0 and sign(NaN) = NaN.
    case sign
    /// 1/x, correctly rounded (TensorFlow's Reciprocal).
    case reciprocal

    /// The reference definition, shared by the CPU backend and the tests. Where fp32 steps would add roundings
    /// (rsqrt, sigmoid), it computes in fp64 and rounds once, so it is within about half an ulp of the exact value.
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return max(x, 0)
        case .tanh: return Foundation.tanh(x)
        case .softplus: return max(x, 0) + log1p(Foundation.exp(-Swift.abs(x)))
        case .negate: return -x
        case .square: return x * x
        case .sqrt: return x.squareRoot()
        case .rsqrt: return Float(1 / Double(x).squareRoot())
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sigmoid: return Float(1 / (1 + Foundation.exp(-Double(x))))
        case .relu6: return min(max(x, 0), 6)
        case .leakyRelu(let alpha): return x > 0 ? x : alpha * x
        case .elu: return x < 0 ? expm1(x) : x
        case .truncate: return x.rounded(.towardZero)
        case .round: return x.rounded(.toNearestOrEven)
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case .abs: return Swift.abs(x)
        case .sign: return x > 0 ? 1 : (x < 0 ? -1 : x)
        case .reciprocal: return 1 / x
        }
    }
}
