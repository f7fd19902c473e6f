import Tensors

/// The encoder's outputs, named as in the `encode` signature (`docs/released-modules.md`, Signatures).
public struct EncoderOutput {
    /// μ [N, zDim].
    public let zMean: Tensor
    /// σ = softplus(σ̂) [N, zDim], positive.
    public let zStdev: Tensor
    /// μ + σ·ε with ε ~ N(0, I) drawn from the call's noise seed [N, zDim].
    public let zSample: Tensor
    /// Global average of the trunk's last feature map [N, F] (F = 2048 / 8192 in the release).
    public let avepoolFeat: Tensor
    /// crelu(BN(avepool_feat)) [N, 2F].
    public let bnCreluFeat: Tensor
}

/// BigBiGAN's encoder E(x), written once against `Backend` (`docs/released-modules.md`, Encoder); the trunk is chosen
/// by the config:
///
///     f = globalAveragePool(trunk(x))                      avepool_feat
///     bn_crelu_feat = crelu(BN(f))                          stored statistics, no γ/β
///     h = MLP(f);  [μ, σ̂] = linear(h)                      2·zDim values
///     σ = softplus(σ̂);  z = μ + σ·ε,  ε ~ N(0, I)
///
/// Unconfirmed choices and provisional weight names are in `EncoderConventions` / `EncoderNames`.
public final class Encoder {
    public let config: EncoderConfig
    public let backend: any Backend
    let trunk: any EncoderTrunk
    let featureNorm: BatchNormLayer
    let head: ResidualMLP
    let zParams: LinearLayer

    /// Checkpoint scope of every encoder variable (unconfirmed, see `EncoderConventions.scope`).
    public static let scope = EncoderConventions.scope

    /// Loads weights from `source` onto `backend`; throws one `WeightLoadError` listing every problem.
    public init(config: EncoderConfig, weights source: any WeightSource, backend: any Backend) throws {
        try config.validate()
        self.config = config
        self.backend = backend
        let w = WeightBinder(source: source, backend: backend, scope: Self.scope)
        switch config.architecture {
        case .resnet50: trunk = try ResNetEncoder(w, config: config)
        case .revnet50x4: trunk = try RevNetEncoder(w, config: config)
        }
        let features = config.featureChannels
        featureNorm = try BatchNormLayer(
            w.scoped(EncoderNames.featureNorm), channels: features, affine: false, epsilon: config.epsilon)
        head = try ResidualMLP(
            w, inputs: features, widths: config.head.hiddenWidths, residual: config.head.residual,
            name: EncoderNames.hidden)
        // Synthetic gain 1 on the last linear, so μ and σ̂ have about h's scale.
        zParams = try LinearLayer(w.scoped(EncoderNames.zParams), inputs: head.outputs, outputs: 2 * config.zDim)
        try w.finish()
    }

    /// Encodes images x [N, R, R, 3] in [-1, 1] (R = `config.resolution`). `noiseSeed` fixes ε of `zSample`: the
    /// same seed and input give the same sample. Work is recorded on the backend; read the outputs with
    /// `backend.download`. `tap`, when given, sees each named layer's output in order (for `bigbigan parity`).
    public func callAsFunction(_ x: Tensor, noiseSeed: UInt64, tap: LayerTap? = nil) throws -> EncoderOutput {
        let b = backend
        let r = config.resolution
        let zDim = config.zDim
        guard x.shape.rank == 4, x.shape[0] >= 1, x.shape[1] == r, x.shape[2] == r, x.shape[3] == 3 else {
            throw TensorError.shapeMismatch(op: "encode", "x must be [N,\(r),\(r),3], got \(x.shape)")
        }
        let avepool = try b.globalAveragePool(trunk(x, on: b, tap: tap))
        try tap?("avepool_feat", avepool)
        let bnCrelu = try b.crelu(featureNorm(avepool, on: b))
        try tap?("bn_crelu_feat", bnCrelu)
        let h = try head(avepool, on: b) { i, h in try tap?(EncoderNames.hidden(i), h) }
        let params = try zParams(h, on: b)
        let zMean = try b.sliceChannels(params, start: 0, count: zDim)
        try tap?("z_mean", zMean)
        let zStdev = try b.unary(b.sliceChannels(params, start: zDim, count: zDim), .softplus)
        try tap?("z_stdev", zStdev)
        let epsilon = try b.upload(Self.noise(samples: x.shape[0], zDim: zDim, seed: noiseSeed))
        let zSample = try b.add(zMean, b.binary(zStdev, epsilon, .multiply))
        try tap?("z_sample", zSample)
        return EncoderOutput(zMean: zMean, zStdev: zStdev, zSample: zSample, avepoolFeat: avepool, bnCreluFeat: bnCrelu)
    }

    /// The ε ~ N(0, I) [samples, zDim] that `callAsFunction` uses for `seed`.
    public static func noise(samples: Int, zDim: Int, seed: UInt64) -> HostTensor {
        var random = SeededRandom(seed: seed)
        return random.normalTensor([samples, zDim])
    }
}
