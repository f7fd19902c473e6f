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

    /// Throws unless the latent splits evenly and channels stay whole in attention (C/8).
    public func validate() throws {
        guard ch >= 1, zDim % (blocks + 1) == 0 else {
            throw TensorError.unsupported(
                op: "generator", "z of \(zDim) does not split into \(blocks + 1) chunks, or ch \(ch) < 1")
        }
        if let r = attentionResolution,
            let (_, out) = blockMultipliers.enumerated().first(where: { bottomResolution << ($0.offset + 1) == r })?
                .element
        {
            guard (out * ch) % 8 == 0 else {
                throw TensorError.unsupported(
                    op: "generator", "attention needs channels divisible by 8, got \(out * ch)")
            }
        }
    }

    public static func == (a: GeneratorConfig, b: GeneratorConfig) -> Bool {
        a.ch == b.ch && a.blockMultipliers.map { [$0.0, $0.1] } == b.blockMultipliers.map { [$0.0, $0.1] }
            && a.zDim == b.zDim
            && a.embeddingDim == b.embeddingDim && a.bottomResolution == b.bottomResolution
            && a.attentionResolution == b.attentionResolution && a.epsilon == b.epsilon && a.upsampled == b.upsampled
    }
}

extension GeneratorConfig {
    /// The released structure at the width `weights` were made for: `ch` is read from `conv_2d/w`
    /// [3, 3, ch, 3], so a width-reduced checkpoint with the released names runs as it is. An explicit `ch` wins;
    /// sources that cannot tell (synthetic weights) get the release's 96.
    public static func matching(_ weights: any WeightSource, ch: Int? = nil) -> GeneratorConfig {
        if let ch { return GeneratorConfig(ch: ch) }
        let shape = weights.storedShape(Generator.scope + "/conv_2d/w")
        return GeneratorConfig(ch: shape.map { $0.rank == 4 ? $0[2] : 96 } ?? 96)
    }
}
