import Tensors

/// The discriminator's three scores, each [N].
public struct DiscriminatorOutput {
    /// s_x = F/score(F(x)): the image-only score.
    public let scoreX: Tensor
    /// s_z = H/score(H(z)): the latent-only score.
    public let scoreZ: Tensor
    /// s_xz = J/score(J(F(x), H(z))): the joint score.
    public let scoreXZ: Tensor
}

/// BigBiGAN's discriminator D(x, z), written once against `Backend` (Donahue & Simonyan 2019, §2;
/// `tools/train/model.py`, `Discriminator`). It scores image–latent pairs with three heads, so that training can
/// match the joint distributions of (x, E(x)) and (G(z), z) and each marginal on its own:
///
///     F(x) = Σ_{h,w} relu(DBlocks(x))          BigGAN trunk; attention after one block; global sum pooling
///     H(z) = MLP(z)                             hidden layers relu(W·h + b), + h where the widths match
///     J    = MLP(concat(F(x), H(z)))
///     s_x = F/score(F(x)),  s_z = H/score(H(z)),  s_xz = J/score(J)        linear, one output each
///
/// Weights are read as stored (spectral normalisation already applied), under `Discriminator/`.
public final class Discriminator {
    public let config: DiscriminatorConfig
    public let backend: any Backend
    let blocks: [DBlock]
    let attention: SelfAttentionWeights?
    let attentionAfterBlock: Int?
    let xScore: LinearLayer
    let h: ResidualMLP
    let zScore: LinearLayer
    let j: ResidualMLP
    let xzScore: LinearLayer

    /// Checkpoint scope of every discriminator variable.
    public static let scope = "Discriminator"

    /// Loads weights from `source` onto `backend`; throws one `WeightLoadError` listing every problem.
    public init(config: DiscriminatorConfig, weights source: any WeightSource, backend: any Backend) throws {
        try config.validate()
        self.config = config
        self.backend = backend
        let w = WeightBinder(source: source, backend: backend, scope: Self.scope)
        blocks = try config.blocks.indices.map { k in
            try DBlock(
                w.scoped(k == 0 ? "F/DBlock" : "F/DBlock_\(k)"), cin: config.inputChannels(k),
                cout: config.outputChannels(k), downsample: config.blocks[k].downsample, preactivation: k > 0,
                shortcut: config.hasShortcut(k))
        }
        attentionAfterBlock = config.attentionBlock
        attention = try config.attentionBlock.map {
            try SelfAttentionWeights(w.scoped("F/attention"), channels: config.outputChannels($0))
        }
        // Synthetic gain on the sum-pooled features: a sum over S = R_F² positions is about S times an average, so
        // 1/S makes s_x as large as a unit-gain score of average-pooled features.
        let final = config.outputResolution(config.blocks.count - 1)
        xScore = try LinearLayer(
            w.scoped("F/score"), inputs: config.featureChannels, outputs: 1, gain: 1 / Float(final * final))
        h = try ResidualMLP(w, inputs: config.zDim, widths: config.hWidths) { "H/linear_\($0 + 1)" }
        zScore = try LinearLayer(w.scoped("H/score"), inputs: h.outputs, outputs: 1)
        j = try ResidualMLP(w, inputs: config.jInputs, widths: config.jWidths) { "J/linear_\($0 + 1)" }
        xzScore = try LinearLayer(w.scoped("J/score"), inputs: j.outputs, outputs: 1)
        try w.finish()
    }

    /// Scores images x [N, R, R, 3] in [-1, 1] (R = `config.resolution`) paired with latents z [N, zDim]. Work is
    /// recorded on the backend; read the scores with `backend.download`. `tap`, when given, sees each named layer's
    /// output in order (for `bigbigan parity`).
    public func callAsFunction(x: Tensor, z: Tensor, tap: LayerTap? = nil) throws -> DiscriminatorOutput {
        let b = backend
        let r = config.resolution
        guard x.shape.rank == 4, x.shape[0] >= 1, x.shape[1] == r, x.shape[2] == r, x.shape[3] == 3 else {
            throw TensorError.shapeMismatch(op: "discriminate", "x must be [N,\(r),\(r),3], got \(x.shape)")
        }
        let n = x.shape[0]
        guard z.shape.dims == [n, config.zDim] else {
            throw TensorError.shapeMismatch(
                op: "discriminate", "z must be [\(n),\(config.zDim)] for \(n) image(s), got \(z.shape)")
        }
        var features = x
        for (k, block) in blocks.enumerated() {
            features = try block(features, on: b)
            try tap?(k == 0 ? "F/DBlock" : "F/DBlock_\(k)", features)
            if k == attentionAfterBlock, let attention {
                features = try b.selfAttention(features, weights: attention)
                try tap?("F/attention", features)
            }
        }
        let f = try b.reduce(b.unary(features, .relu), axes: [1, 2], .sum)
        try tap?("F/sum_pool", f)
        let scoreX = try xScore(f, on: b).reshaped([n])
        try tap?("F/score", scoreX)
        let hz = try h(z, on: b) { i, hidden in try tap?("H/linear_\(i + 1)", hidden) }
        let scoreZ = try zScore(hz, on: b).reshaped([n])
        try tap?("H/score", scoreZ)
        let joint = try j(b.concatChannels(f, hz), on: b) { i, hidden in try tap?("J/linear_\(i + 1)", hidden) }
        let scoreXZ = try xzScore(joint, on: b).reshaped([n])
        try tap?("J/score", scoreXZ)
        return DiscriminatorOutput(scoreX: scoreX, scoreZ: scoreZ, scoreXZ: scoreXZ)
    }
}
