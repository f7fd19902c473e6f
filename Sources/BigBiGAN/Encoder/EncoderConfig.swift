import Tensors

/// The trunk family of a released encoder; width and depth come from `EncoderConfig`.
public enum EncoderArchitecture: String, Sendable, CaseIterable {
    /// ResNet-v2 with bottleneck blocks (`docs/released-modules.md`, ResNet-50 trunk).
    case resnet50
    /// RevNet of Kolesnikov et al. 2019 with reversible bottleneck blocks (`docs/released-modules.md`,
    /// RevNet-50×4 trunk).
    case revnet50x4
}

/// How an encoder's stem reduces the image before the first stage.
public enum EncoderStemKind: String, Sendable, CaseIterable {
    /// The released trunks': a 7×7 convolution with stride 2, then a 3×3 max pool with stride 2 (4× smaller).
    case imageNet
    /// For small images such as 32×32: a 3×3 convolution with stride 1 and no pooling (full resolution).
    case small

    /// Side of the stem convolution's kernel, which tells the kinds apart in stored weights.
    public var kernel: Int { self == .imageNet ? 7 : 3 }
    var stride: Int { self == .imageNet ? 2 : 1 }
    /// How much smaller the stem's output is than the image.
    public var downsampling: Int { self == .imageNet ? 4 : 1 }
}

/// The MLP between `avepool_feat` and (μ, σ̂) (unconfirmed: `docs/released-modules.md`, Encoder head).
public struct EncoderHead: Sendable, Equatable {
    /// Widths of the hidden linear layers, each followed by ReLU; empty: one linear layer to 2·zDim.
    public var hiddenWidths: [Int]
    /// Whether a hidden layer whose input and output widths match adds its input: `h + relu(W·h + b)`.
    public var residual: Bool

    public init(hiddenWidths: [Int], residual: Bool = true) {
        self.hiddenWidths = hiddenWidths
        self.residual = residual
    }
}

/// The BigBiGAN encoder E(x) (`docs/released-modules.md`, Encoder) as a family scaled by width and depth.
///
/// Channels: stage s (from 0) outputs `width · 2^s`; the ResNet stem has `width / 4` channels and its bottlenecks
/// `width · 2^s / 4`; the RevNet stem already has `width` channels and its bottlenecks `width · 2^s / 8`.
/// The released ResNet-50 has width 256 (×1), the released RevNet-50×4 width 1024 (×4).
public struct EncoderConfig: Sendable, Equatable {
    public var architecture: EncoderArchitecture
    /// Output channels of the first stage: 256 × the width multiplier.
    public var width: Int
    /// Blocks in each stage; stages after the first halve the resolution.
    public var blocksPerStage: [Int]
    /// Input images are [N, resolution, resolution, 3] in [-1, 1] (256 in the release).
    public var resolution: Int
    /// Latent size (120 in the release).
    public var zDim: Int
    public var head: EncoderHead
    /// ε of every batch norm (`EncoderConventions.batchNormEpsilon`, unconfirmed).
    public var epsilon: Float
    /// The stem: the released `.imageNet` one, or `.small` for small images.
    public var stem: EncoderStemKind

    public init(
        architecture: EncoderArchitecture, width: Int, blocksPerStage: [Int] = [3, 4, 6, 3], resolution: Int = 256,
        zDim: Int = 120, head: EncoderHead = EncoderConventions.releasedHead,
        epsilon: Float = EncoderConventions.batchNormEpsilon, stem: EncoderStemKind = .imageNet
    ) {
        self.architecture = architecture
        self.width = width
        self.blocksPerStage = blocksPerStage
        self.resolution = resolution
        self.zDim = zDim
        self.head = head
        self.epsilon = epsilon
        self.stem = stem
    }

    /// `bigbigan-resnet50`: ResNet-v2-50, 2048-d `avepool_feat`.
    public static let resnet50 = EncoderConfig(architecture: .resnet50, width: 256)
    /// `bigbigan-revnet50x4`: RevNet-50×4, 8192-d `avepool_feat` (inferred: `docs/released-modules.md`,
    /// RevNet-50×4 trunk).
    public static let revnet50x4 = EncoderConfig(architecture: .revnet50x4, width: 1024)

    /// A small member of the family for tests: the same code paths (projection and identity blocks, reversible
    /// blocks, channel doubling, residual head) at a fraction of the cost.
    public static func reduced(
        _ architecture: EncoderArchitecture, width: Int = 32, blocksPerStage: [Int] = [2, 1, 2, 1],
        resolution: Int = 64, zDim: Int = 16, hiddenWidths: [Int] = [48, 48]
    ) -> EncoderConfig {
        EncoderConfig(
            architecture: architecture, width: width, blocksPerStage: blocksPerStage, resolution: resolution,
            zDim: zDim, head: EncoderHead(hiddenWidths: hiddenWidths))
    }

    /// The width multiplier of the paper's names ("×4"); fractional for reduced configs.
    public var widthMultiplier: Double { Double(width) / 256 }
    public var stages: Int { blocksPerStage.count }
    /// Output channels of stage `s` (from 0).
    public func stageChannels(_ s: Int) -> Int { width << s }
    /// Channels of the stem convolution.
    public var stemChannels: Int { architecture == .resnet50 ? width / 4 : width }
    /// Size of `avepool_feat` (2048 / 8192 in the release).
    public var featureChannels: Int { stageChannels(stages - 1) }
    /// Size of `bn_crelu_feat`: twice `featureChannels`.
    public var bnCreluChannels: Int { 2 * featureChannels }
    /// Total downsampling: the stem's (4× for `.imageNet`, none for `.small`), then 2× per later stage.
    public var downsampling: Int { stem.downsampling << (stages - 1) }
    /// Spatial size of the last feature map (8 for 256 inputs).
    public var finalResolution: Int { resolution / downsampling }

    /// The widths an encoder may have: up to 8× the released RevNet-50×4's 1024, beyond which the weights alone need
    /// tens of gigabytes.
    public static let widthRange = 8 ... 8192

    /// Elements of all the weights `Encoder.init` loads, for estimating memory before loading them. Only for a
    /// config that passes `validate()`.
    public var weightElements: Int {
        var total = stem.kernel * stem.kernel * 3 * stemChannels
        var channels = stemChannels
        for (s, count) in blocksPerStage.enumerated() {
            let c = stageChannels(s)
            for k in 0 ..< count {
                switch architecture {
                case .resnet50:
                    let mid = c / 4
                    // bn1; conv1 and conv2 with the batch norms folded into them; conv3; the projection shortcut.
                    total += 4 * channels + channels * mid + 4 * mid + 9 * mid * mid + 4 * mid + mid * c
                    if (s > 0 && k == 0) || channels != c { total += channels * c }
                case .revnet50x4:
                    let (half, mid) = (c / 2, c / 8)
                    total += 4 * half + half * mid + 4 * mid + 9 * mid * mid + 4 * mid + mid * half
                }
                channels = c
            }
        }
        total += 4 * featureChannels + 2 * featureChannels  // final batch norm; the feature norm has no γ, β
        var inputs = featureChannels
        for out in head.hiddenWidths + [2 * zDim] {
            total += inputs * out + out
            inputs = out
        }
        return total
    }

    /// Elements per sample of the largest tensor a forward pass makes: the stem convolution's output (before its
    /// pooling), a stage's output or a feature vector, whichever is biggest. Only for a config that passes
    /// `validate()`.
    public var largestActivation: Int {
        let stemSide = resolution / stem.stride
        let stages = (0 ..< stages).map { s in
            let side = resolution / (stem.downsampling << s)
            return side * side * stageChannels(s)
        }
        return ([stemSide * stemSide * stemChannels, bnCreluChannels] + stages + head.hiddenWidths).max() ?? 0
    }

    /// Throws unless every channel count is whole (bottlenecks are width/4 (ResNet) or width/8 (RevNet) of a stage,
    /// RevNet halves split evenly) and the resolution divides exactly through every stride.
    public func validate() throws {
        let op = "encoder config"
        guard !blocksPerStage.isEmpty, blocksPerStage.allSatisfy({ $0 >= 1 }), stages <= 8 else {
            throw TensorError.unsupported(op: op, "blocks per stage \(blocksPerStage): need 1…8 stages of ≥ 1 block")
        }
        guard Self.widthRange.contains(width), width % 8 == 0 else {
            throw TensorError.unsupported(
                op: op,
                "width \(width) must be a multiple of 8 in \(Self.widthRange.lowerBound)…\(Self.widthRange.upperBound)")
        }
        // 32× the release's 256, far beyond any use, and small enough that sizes computed from it cannot overflow.
        guard (1 ... 8192).contains(resolution) else {
            throw TensorError.unsupported(op: op, "resolution \(resolution) is outside 1…8192")
        }
        guard resolution >= downsampling, resolution % downsampling == 0 else {
            throw TensorError.unsupported(
                op: op, "resolution \(resolution) must be a positive multiple of \(downsampling) for \(stages) stage(s)"
            )
        }
        guard zDim >= 1, head.hiddenWidths.allSatisfy({ $0 >= 1 }) else {
            throw TensorError.unsupported(op: op, "zDim \(zDim) and head widths \(head.hiddenWidths) must be ≥ 1")
        }
        guard epsilon >= 0, epsilon.isFinite else { throw TensorError.unsupported(op: op, "epsilon \(epsilon)") }
    }
}

extension EncoderConfig {
    /// The released `architecture` at the width `weights` were made for, read from the stem convolution
    /// [7, 7, 3, stem channels] (stem = width/4 for ResNet-50, width for RevNet); with it, the stages and blocks per
    /// stage (the `stage<s>/block<k>` scopes that hold a `conv1/w`) and the head's hidden widths (`head/linear_<i>/w`),
    /// so a reduced checkpoint with the released names loads as it is; the input resolution from the metadata's
    /// `WeightMetadata.encoderResolution` when given (else the release's 256), and the stem from its kernel's side
    /// (7: `.imageNet`, 3: `.small`). An explicit `width` wins; sources that
    /// cannot tell (synthetic weights) get the released structure. Throws
    /// `EncoderArchitectureMismatch` when the weights hold the other architecture's encoder.
    public static func matching(_ architecture: EncoderArchitecture, weights: any WeightSource, width: Int? = nil)
        throws -> EncoderConfig
    {
        if let stored = EncoderArchitecture.stored(in: weights), stored.architecture != architecture {
            throw EncoderArchitectureMismatch(
                requested: architecture, stored: stored.architecture, evidence: stored.evidence,
                weights: weights.description)
        }
        var config: EncoderConfig = architecture == .resnet50 ? .resnet50 : .revnet50x4
        if let width {
            config.width = width
        } else if let stem = weights.storedShape(EncoderConventions.scope + "/" + EncoderNames.stem + "/w"),
            stem.rank == 4
        {
            config.width = architecture == .resnet50 ? stem[3] * 4 : stem[3]
        }
        if let stem = weights.storedShape(EncoderConventions.scope + "/" + EncoderNames.stem + "/w"), stem.rank == 4,
            let kind = EncoderStemKind.allCases.first(where: { $0.kernel == stem[0] })
        {
            config.stem = kind
        }
        if let side = weights.metadata[WeightMetadata.encoderResolution].flatMap({ Int($0) }) {
            config.resolution = side
        }
        let scope = EncoderConventions.scope + "/"
        let stored = { (name: String) in weights.storedShape(scope + name) }
        guard stored(EncoderNames.stem + "/w") != nil else { return config }
        let depths = (0 ..< 8).map { stage in
            (0 ..< 64).prefix { stored(EncoderNames.block(stage: stage, block: $0) + "/conv1/w") != nil }.count
        }
        let stages = depths.prefix { $0 > 0 }
        if !stages.isEmpty { config.blocksPerStage = Array(stages) }
        let hidden = (0 ..< 64).lazy.map { stored(EncoderNames.hidden($0) + "/w") }.prefix { $0 != nil }
        if stored(EncoderNames.zParams + "/w") != nil {
            config.head.hiddenWidths = hidden.compactMap { $0.flatMap { $0.rank == 2 ? $0[1] : nil } }
        }
        return config
    }
}

extension EncoderArchitecture {
    /// The architecture whose encoder `weights` hold, when their shapes tell: a ResNet block's first convolution
    /// takes all of the stem's channels, a RevNet block's only half (it sees one half of the stream). Nil when the
    /// weights have no encoder under the canonical names, or cannot tell shapes without loading (synthetic weights).
    public static func stored(in weights: any WeightSource) -> (architecture: EncoderArchitecture, evidence: String)? {
        let stemName = EncoderNames.stem + "/w"
        let conv1Name = EncoderNames.block(stage: 0, block: 0) + "/conv1/w"
        let scope = EncoderConventions.scope + "/"
        guard let stem = weights.storedShape(scope + stemName), stem.rank == 4,
            let conv1 = weights.storedShape(scope + conv1Name), conv1.rank == 4, stem[3] > 0
        else { return nil }
        let evidence = "\(stemName) has \(stem[3]) output channels and \(conv1Name) \(conv1[2]) input channels"
        switch conv1[2] {
        case stem[3]: return (.resnet50, evidence)
        case stem[3] / 2 where stem[3] % 2 == 0: return (.revnet50x4, evidence)
        default: return nil
        }
    }
}

/// Weights that hold one encoder architecture, asked to load as the other.
public struct EncoderArchitectureMismatch: Error, CustomStringConvertible {
    public let requested: EncoderArchitecture
    public let stored: EncoderArchitecture
    /// The shapes that tell the stored architecture.
    public let evidence: String
    /// The weights' description.
    public let weights: String

    public var description: String {
        "\(weights) holds a \(stored.rawValue) encoder, not \(requested.rawValue) (\(evidence))"
    }
}
