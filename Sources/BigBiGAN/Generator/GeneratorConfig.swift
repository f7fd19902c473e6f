import Tensors

/// How the 256×256 `upsampled` output is made from the 128×128 image. Unconfirmed for the released modules
/// (`docs/released-modules.md`, Signatures): nearest-neighbour is the best guess; change it here.
public enum UpsampledResize: String, Sendable, CaseIterable {
    case nearest, bilinear, bicubic
}

/// The single-label BigGAN generator of BigBiGAN (`docs/released-modules.md`, Generator), as a family scaled by width
/// and depth.
public struct GeneratorConfig: Sendable, Equatable {
    /// Channel multiplier `ch` (96 in the release).
    public var ch: Int
    /// (input, output) channel multipliers of the GBlocks; each block doubles the resolution.
    public var blockMultipliers: [(Int, Int)]
    /// Latent size; split into `blocks + 1` equal chunks (hierarchical z).
    public var zDim: Int
    /// Width of the single class-embedding row `linear/w` [1, embeddingDim].
    public var embeddingDim: Int
    /// Spatial size of the first feature map.
    public var bottomResolution: Int
    /// Self-attention runs after the block whose output has this resolution (nil: no attention).
    public var attentionResolution: Int?
    /// ε of every batch norm (1e-4 in the release, inferred: `docs/released-modules.md`, Conditional batch norm).
    public var epsilon: Float
    public var upsampled: UpsampledResize

    /// The released BigBiGAN generator: ch 96, 4→128 in five blocks, attention at 64×64.
    public static let released = GeneratorConfig(ch: 96)

    /// - Parameters: `blocks` (1…5) keeps the released order of multipliers from the last block backwards,
    ///   so `blocks: 5` is the release and fewer blocks give a smaller image with the same code.
    public init(
        ch: Int, blocks: Int = 5, zDim: Int = 120, embeddingDim: Int = 128, attentionResolution: Int? = 64,
        epsilon: Float = 1e-4, upsampled: UpsampledResize = .nearest
    ) {
        let all = [(16, 16), (16, 8), (8, 4), (4, 2), (2, 1)]
        self.ch = ch
        self.blockMultipliers = Array(all.suffix(max(1, min(blocks, all.count))))
        self.zDim = zDim
        self.embeddingDim = embeddingDim
        self.bottomResolution = 4
        self.attentionResolution = attentionResolution
        self.epsilon = epsilon
        self.upsampled = upsampled
    }

    public var blocks: Int { blockMultipliers.count }
    public var chunkSize: Int { zDim / (blocks + 1) }
    /// Condition of each conditional batch norm: a z chunk and the class embedding.
    public var conditionDim: Int { chunkSize + embeddingDim }
    public var resolution: Int { bottomResolution << blocks }
    public var bottomChannels: Int { blockMultipliers[0].0 * ch }

    /// The channel multipliers a generator may have: up to about 10× the release's 96, beyond which the weights
    /// alone need tens of gigabytes.
    public static let chRange = 1 ... 1024

    /// The block after which self-attention runs, if any: the one whose output has `attentionResolution`.
    var attentionBlock: Int? {
        blockMultipliers.indices.first { bottomResolution << ($0 + 1) == attentionResolution }
    }

    /// Throws unless `ch` is in `chRange`, the latent splits evenly and channels stay whole in attention (C/8).
    public func validate() throws {
        guard Self.chRange.contains(ch) else {
            throw TensorError.unsupported(
                op: "generator", "ch \(ch) is outside \(Self.chRange.lowerBound)…\(Self.chRange.upperBound)")
        }
        guard zDim >= 1, zDim % (blocks + 1) == 0 else {
            throw TensorError.unsupported(op: "generator", "z of \(zDim) does not split into \(blocks + 1) chunks")
        }
        if let k = attentionBlock {
            let channels = blockMultipliers[k].1 * ch
            guard channels % 8 == 0 else {
                throw TensorError.unsupported(
                    op: "generator",
                    "attention needs channels divisible by 8, got \(channels) (ch \(ch) × \(blockMultipliers[k].1))")
            }
        }
    }

    /// Elements of all the weights `Generator.init` loads, for estimating memory before loading them. Only for a
    /// config that passes `validate()`.
    public var weightElements: Int {
        let k = conditionDim
        let b2 = bottomResolution * bottomResolution
        var total = embeddingDim + (chunkSize + 1) * b2 * bottomChannels
        for (cinMultiplier, coutMultiplier) in blockMultipliers {
            let (cin, cout) = (cinMultiplier * ch, coutMultiplier * ch)
            total += 2 * cin + 2 * k * cin + 9 * cin * cout + cout  // batch norm 0, conv0
            total += 2 * cout + 2 * k * cout + 9 * cout * cout + cout  // batch norm 1, conv1
            total += cin * cout + cout  // shortcut
        }
        if let block = attentionBlock {
            let c = blockMultipliers[block].1 * ch
            total += 2 * c * (c / 8) + 2 * c * (c / 2) + 1  // θ, φ, g, o and γ
        }
        let last = blockMultipliers[blocks - 1].1 * ch
        return total + 4 * last + 9 * last * 3 + 3  // final batch norm and conv
    }

    /// Elements per sample of the largest tensor a forward pass makes: the biggest of the linear layer's output,
    /// the blocks' outputs, the image and the upsampled image. Only for a config that passes `validate()`.
    public var largestActivation: Int {
        let blockOutputs = blockMultipliers.indices.map { k in
            (bottomResolution << (k + 1)) * (bottomResolution << (k + 1)) * blockMultipliers[k].1 * ch
        }
        let b2 = bottomResolution * bottomResolution
        return ([b2 * bottomChannels, 4 * resolution * resolution * 3] + blockOutputs).max() ?? 0
    }

    public static func == (a: GeneratorConfig, b: GeneratorConfig) -> Bool {
        a.ch == b.ch && a.blockMultipliers.map { [$0.0, $0.1] } == b.blockMultipliers.map { [$0.0, $0.1] }
            && a.zDim == b.zDim
            && a.embeddingDim == b.embeddingDim && a.bottomResolution == b.bottomResolution
            && a.attentionResolution == b.attentionResolution && a.epsilon == b.epsilon && a.upsampled == b.upsampled
    }
}

extension GeneratorConfig {
    /// The structure `weights` were made for, read from the stored shapes: `ch` from `conv_2d/w` [3, 3, ch, 3], the
    /// number of blocks from the `GBlock`, `GBlock_1`, … scopes (the released order of multipliers kept from the last
    /// block backwards), the embedding width from `linear/w` [1, E], the latent size from `GenZ/G_linear/w`
    /// [z chunk, …], and attention after the block whose output has as many channels as `attention/theta/w` takes
    /// (none when it is not stored). So the release, a width-reduced checkpoint and the 32×32 default model all load as
    /// they are. An explicit `ch` gives the released structure at that width; sources that cannot tell (synthetic
    /// weights) get the release.
    public static func matching(_ weights: any WeightSource, ch: Int? = nil) -> GeneratorConfig {
        if let ch { return GeneratorConfig(ch: ch) }
        let stored = { (name: String) in weights.storedShape(Generator.scope + "/" + name) }
        guard let last = stored("conv_2d/w"), last.rank == 4 else { return GeneratorConfig(ch: 96) }
        let blocks = (0 ..< 5).prefix { stored(GBlock.scope($0) + "/conv0/w") != nil }.count
        var config = GeneratorConfig(ch: last[2], blocks: blocks == 0 ? 5 : blocks)
        if let embedding = stored("linear/w"), embedding.rank == 2 { config.embeddingDim = embedding[1] }
        if let linear = stored("GenZ/G_linear/w"), linear.rank == 2 { config.zDim = linear[0] * (config.blocks + 1) }
        if let theta = stored("attention/theta/w"), theta.rank == 4 {
            let block = config.blockMultipliers.indices.first { config.blockMultipliers[$0].1 * config.ch == theta[2] }
            config.attentionResolution = block.map { config.bottomResolution << ($0 + 1) } ?? config.attentionResolution
        } else {
            config.attentionResolution = nil
        }
        return config
    }
}
