import Tensors

/// One residual block of the discriminator's image trunk F (`DBlock`).
public struct DiscriminatorBlock: Sendable, Equatable {
    /// What a block reads.
    public enum Input: Sendable, Equatable {
        /// The RGB image's 3 channels: the first block.
        case image
        /// `multiplier · ch` channels: the previous block's output.
        case multiplier(Int)
    }

    public var input: Input
    /// The block outputs `output · ch` channels.
    public var output: Int
    /// Whether the block average-pools 2×2, halving the resolution.
    public var downsample: Bool

    public init(input: Input, output: Int, downsample: Bool) {
        self.input = input
        self.output = output
        self.downsample = downsample
    }
}

/// The BigBiGAN discriminator (Donahue & Simonyan 2019, §2): a BigGAN image trunk F with two MLPs H (on z) and J (on
/// both), as a family scaled by width, depth and resolution.
public struct DiscriminatorConfig: Sendable, Equatable {
    /// Channel multiplier `ch` (96 in the paper).
    public var ch: Int
    /// The trunk's blocks in order; the first reads the image.
    public var blocks: [DiscriminatorBlock]
    /// Input images are [N, resolution, resolution, 3] in [-1, 1].
    public var resolution: Int
    /// Latent size of z.
    public var zDim: Int
    /// Self-attention runs after the first block whose output has this resolution (nil: no attention).
    public var attentionResolution: Int?
    /// Widths of H's hidden linear layers on z.
    public var hWidths: [Int]
    /// Widths of J's hidden linear layers on concat(F(x), H(z)).
    public var jWidths: [Int]

    public init(
        ch: Int, blocks: [DiscriminatorBlock], resolution: Int, zDim: Int = 120, attentionResolution: Int?,
        hWidths: [Int], jWidths: [Int]
    ) {
        self.ch = ch
        self.blocks = blocks
        self.resolution = resolution
        self.zDim = zDim
        self.attentionResolution = attentionResolution
        self.hWidths = hWidths
        self.jWidths = jWidths
    }

    /// The default model's discriminator (`tools/train/model.py`, `Discriminator`): 32×32 images, ch 32,
    /// 3 → ch → 2ch → 4ch → 4ch over 32 → 16 → 8 → 4 → 4, attention at 16×16, H and J of two 256-wide layers.
    public static let fashionMNIST = DiscriminatorConfig(
        ch: 32,
        blocks: [
            DiscriminatorBlock(input: .image, output: 1, downsample: true),
            DiscriminatorBlock(input: .multiplier(1), output: 2, downsample: true),
            DiscriminatorBlock(input: .multiplier(2), output: 4, downsample: true),
            DiscriminatorBlock(input: .multiplier(4), output: 4, downsample: false),
        ],
        resolution: 32, attentionResolution: 16, hWidths: [256, 256], jWidths: [256, 256])

    /// The paper's 128×128 discriminator (BigGAN's at 128, `shared/spec/bigbigan.md` §4, unconfirmed): ch 96,
    /// 3 → ch → 2ch → 4ch → 8ch → 16ch (each halving 128 → 4) → 16ch, attention at 64×64. H's and J's widths
    /// [2048, 2048] are unconfirmed guesses: no released module holds the discriminator.
    public static let released = DiscriminatorConfig(
        ch: 96,
        blocks: [
            DiscriminatorBlock(input: .image, output: 1, downsample: true),
            DiscriminatorBlock(input: .multiplier(1), output: 2, downsample: true),
            DiscriminatorBlock(input: .multiplier(2), output: 4, downsample: true),
            DiscriminatorBlock(input: .multiplier(4), output: 8, downsample: true),
            DiscriminatorBlock(input: .multiplier(8), output: 16, downsample: true),
            DiscriminatorBlock(input: .multiplier(16), output: 16, downsample: false),
        ],
        resolution: 128, attentionResolution: 64, hWidths: [2048, 2048], jWidths: [2048, 2048])

    /// The channel multipliers a discriminator may have (as `GeneratorConfig.chRange`).
    public static let chRange = GeneratorConfig.chRange
    /// The most blocks a trunk may have, and the largest output multiplier of a block: far beyond any use, and small
    /// enough that sizes computed from them cannot overflow.
    public static let maxBlocks = 16
    public static let maxMultiplier = 64

    /// Input channels of block `k`.
    public func inputChannels(_ k: Int) -> Int {
        switch blocks[k].input {
        case .image: return 3
        case .multiplier(let m): return m * ch
        }
    }

    /// Output channels of block `k`.
    public func outputChannels(_ k: Int) -> Int { blocks[k].output * ch }

    /// Output resolution of block `k`.
    public func outputResolution(_ k: Int) -> Int {
        blocks[...k].reduce(resolution) { size, block in block.downsample ? size / 2 : size }
    }

    /// Size of F(x), the sum-pooled output of the last block.
    public var featureChannels: Int { outputChannels(blocks.count - 1) }

    /// Whether block `k` has a 1×1 shortcut convolution `conv_sc`: when it changes the channels or the resolution.
    func hasShortcut(_ k: Int) -> Bool { inputChannels(k) != outputChannels(k) || blocks[k].downsample }

    /// The block after which self-attention runs, if any: the first whose output has `attentionResolution`.
    var attentionBlock: Int? { blocks.indices.first { outputResolution($0) == attentionResolution } }

    /// Throws `TensorError.unsupported` unless the blocks chain (the first reads the image, each later one its
    /// predecessor's channels), the resolution halves exactly at every downsampling, attention sits after a block of
    /// an even size with channels divisible by 8, and every width is at least 1.
    public func validate() throws {
        let op = "discriminator config"
        guard Self.chRange.contains(ch) else {
            throw TensorError.unsupported(
                op: op, "ch \(ch) is outside \(Self.chRange.lowerBound)…\(Self.chRange.upperBound)")
        }
        guard (1 ... Self.maxBlocks).contains(blocks.count) else {
            throw TensorError.unsupported(op: op, "\(blocks.count) blocks: need 1…\(Self.maxBlocks)")
        }
        for (k, block) in blocks.enumerated() {
            guard (1 ... Self.maxMultiplier).contains(block.output) else {
                throw TensorError.unsupported(
                    op: op, "block \(k) outputs \(block.output)·ch: the multiplier must be in 1…\(Self.maxMultiplier)")
            }
            let expected: DiscriminatorBlock.Input = k == 0 ? .image : .multiplier(blocks[k - 1].output)
            guard block.input == expected else {
                let reads =
                    switch block.input {
                    case .image: "the image"
                    case .multiplier(let m): "\(m)·ch"
                    }
                throw TensorError.unsupported(
                    op: op,
                    "block \(k) reads \(reads), but "
                        + (k == 0
                            ? "the first block reads the image" : "block \(k - 1) outputs \(blocks[k - 1].output)·ch"))
            }
        }
        // 64× the paper's 128, far beyond any use, and small enough that sizes computed from it cannot overflow.
        guard (1 ... 8192).contains(resolution) else {
            throw TensorError.unsupported(op: op, "resolution \(resolution) is outside 1…8192")
        }
        let downsampling = 1 << blocks.filter(\.downsample).count
        guard resolution % downsampling == 0 else {
            throw TensorError.unsupported(
                op: op,
                "resolution \(resolution) must be a multiple of \(downsampling) for \(blocks.filter(\.downsample).count) "
                    + "downsampling block(s)")
        }
        if let size = attentionResolution {
            guard let k = attentionBlock else {
                let sizes = blocks.indices.map { outputResolution($0) }
                throw TensorError.unsupported(
                    op: op, "attention resolution \(size) is no block's output size (\(sizes))")
            }
            guard size % 2 == 0 else {
                throw TensorError.unsupported(op: op, "attention pools 2×2, so its resolution \(size) must be even")
            }
            guard outputChannels(k) % 8 == 0 else {
                throw TensorError.unsupported(
                    op: op,
                    "attention needs channels divisible by 8, got \(outputChannels(k)) (ch \(ch) × \(blocks[k].output))"
                )
            }
        }
        guard zDim >= 1, hWidths.allSatisfy({ $0 >= 1 }), jWidths.allSatisfy({ $0 >= 1 }) else {
            throw TensorError.unsupported(
                op: op, "zDim \(zDim), H widths \(hWidths) and J widths \(jWidths) must be ≥ 1")
        }
    }

    /// Width of H(z): its last hidden width, or zDim without hidden layers.
    var hOutputs: Int { hWidths.last ?? zDim }
    /// Width of J's input, concat(F(x), H(z)).
    var jInputs: Int { featureChannels + hOutputs }

    /// Elements of all the weights `Discriminator.init` loads, for estimating memory before loading them. Only for a
    /// config that passes `validate()`.
    public var weightElements: Int {
        var total = 0
        for k in blocks.indices {
            let (cin, cout) = (inputChannels(k), outputChannels(k))
            total += 9 * cin * cout + cout + 9 * cout * cout + cout  // conv0, conv1
            if hasShortcut(k) { total += cin * cout + cout }
        }
        if let k = attentionBlock {
            let c = outputChannels(k)
            total += 2 * c * (c / 8) + 2 * c * (c / 2) + 1  // θ, φ, g, o and γ
        }
        func mlp(_ inputs: Int, _ widths: [Int]) -> Int {
            var (sum, width) = (0, inputs)
            for out in widths + [1] {
                sum += width * out + out
                width = out
            }
            return sum
        }
        return total + (featureChannels + 1) + mlp(zDim, hWidths) + mlp(jInputs, jWidths)
    }

    /// Elements per sample of the largest tensor a forward pass makes: the image, a block's convolution outputs at its
    /// input resolution (before pooling), or a vector of the MLPs. Only for a config that passes `validate()`.
    public var largestActivation: Int {
        let convolutions = blocks.indices.map { k in
            let size = k == 0 ? resolution : outputResolution(k - 1)
            return size * size * outputChannels(k)
        }
        return ([resolution * resolution * 3, jInputs] + convolutions + hWidths + jWidths).max() ?? 0
    }
}

extension DiscriminatorConfig {
    /// `base` at the sizes `weights` were made for: `ch` from `F/DBlock/conv0/w` [3, 3, 3, ch·m] (m: the first block's
    /// output multiplier), no attention when that is stored without `F/attention/theta/w`, and H's and J's hidden widths
    /// from the stored `H/linear_<i>/w` / `J/linear_<i>/w` when their `score/w` is stored. Sources that cannot tell
    /// (synthetic weights) get `base`.
    public static func matching(_ weights: any WeightSource, base: DiscriminatorConfig) -> DiscriminatorConfig {
        let stored = { (name: String) in weights.storedShape(Discriminator.scope + "/" + name) }
        var config = base
        if let conv0 = stored("F/DBlock/conv0/w"), conv0.rank == 4, let first = base.blocks.first, first.output > 0,
            conv0[3] % first.output == 0
        {
            config.ch = conv0[3] / first.output
            if stored("F/attention/theta/w") == nil { config.attentionResolution = nil }
        }
        func widths(_ part: String) -> [Int]? {
            guard stored(part + "/score/w") != nil else { return nil }
            let hidden = (1 ... 64).lazy.map { stored(part + "/linear_\($0)/w") }.prefix { $0 != nil }
            return hidden.compactMap { $0.flatMap { $0.rank == 2 ? $0[1] : nil } }
        }
        if let h = widths("H") { config.hWidths = h }
        if let j = widths("J") { config.jWidths = j }
        return config
    }
}
