/// Weights of the SAGAN / BigGAN self-attention block on x [N,H,W,C]: 1×1 convolutions without bias
/// (θ, φ: C → C/8; g: C → C/2; o: C/2 → C) and the learned scalar γ.
public struct SelfAttentionWeights {
    public var theta: Tensor
    public var phi: Tensor
    public var g: Tensor
    public var o: Tensor
    public var gamma: Float

    public init(theta: Tensor, phi: Tensor, g: Tensor, o: Tensor, gamma: Float) {
        self.theta = theta
        self.phi = phi
        self.g = g
        self.o = o
        self.gamma = gamma
    }
}

extension Backend {
    /// The self-attention block, composed from backend ops so both backends share one definition:
    ///
    ///     θ = conv1×1(x)                    [N, HW, C/8]
    ///     φ = maxpool2×2(conv1×1(x))        [N, HW/4, C/8]
    ///     g = maxpool2×2(conv1×1(x))        [N, HW/4, C/2]
    ///     β = softmax(θ φᵀ) over the keys   [N, HW, HW/4], never materialised:
    ///     a = β g                           [N, HW, C/2]  (`attention`, one fused op)
    ///     o = conv1×1(a)                    [N, H, W, C]
    ///     y = x + γ·o
    ///
    /// Spatial positions are flattened row-major over (h, w), as TF reshapes NHWC.
    public func selfAttention(_ x: Tensor, weights: SelfAttentionWeights) throws -> Tensor {
        let op = "selfAttention"
        let (n, h, w, c) = try x.shape.nhwc(op)
        guard h % 2 == 0, w % 2 == 0 else {
            throw TensorError.shapeMismatch(op: op, "H and W must be even for the 2×2 pooling, got \(h)×\(w)")
        }
        let keys = weights.theta.shape.channels
        let values = weights.g.shape.channels
        for (name, t, shape) in [
            ("theta", weights.theta, [1, 1, c, keys]), ("phi", weights.phi, [1, 1, c, keys]),
            ("g", weights.g, [1, 1, c, values]), ("o", weights.o, [1, 1, values, c]),
        ] where t.shape.dims != shape {
            throw TensorError.shapeMismatch(op: op, "\(name) must be \(Shape(shape)), got \(t.shape)")
        }
        let oneByOne = Conv2DOptions(stride: 1, padding: .valid)
        let pool = Pool2DOptions(kind: .max, window: 2, stride: 2, padding: .valid)
        let theta = try conv2d(x, weight: weights.theta, bias: nil, residual: nil, options: oneByOne).reshaped([
            n, h * w, keys,
        ])
        let phi = try pool2d(conv2d(x, weight: weights.phi, bias: nil, residual: nil, options: oneByOne), options: pool)
            .reshaped([n, h * w / 4, keys])
        let g = try pool2d(conv2d(x, weight: weights.g, bias: nil, residual: nil, options: oneByOne), options: pool)
            .reshaped([n, h * w / 4, values])
        let attended = try attention(query: theta, key: phi, value: g).reshaped([n, h, w, values])
        let o = try conv2d(attended, weight: weights.o, bias: nil, residual: nil, options: oneByOne)
        return try binary(x, o, .add(scale: weights.gamma))
    }
}
