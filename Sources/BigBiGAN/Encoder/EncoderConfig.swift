import Tensors

/// The trunk family of a released encoder; width and depth come from `EncoderConfig`.
public enum EncoderArchitecture: String, Sendable, CaseIterable {
    /// ResNet-v2 with bottleneck blocks (`docs/released-modules.md`, ResNet-50 trunk).
    case resnet50
    /// RevNet of Kolesnikov et al. 2019 with reversible bottleneck blocks (`docs/released-modules.md`,
    /// RevNet-50×4 trunk).
    case revnet50x4
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

    public init(
        architecture: EncoderArchitecture, width: Int, blocksPerStage: [Int] = [3, 4, 6, 3], resolution: Int = 256,
        zDim: Int = 120, head: EncoderHead = EncoderConventions.releasedHead,
        epsilon: Float = EncoderConventions.batchNormEpsilon
    ) {
        self.architecture = architecture
        self.width = width
        self.blocksPerStage = blocksPerStage
        self.resolution = resolution
        self.zDim = zDim
        self.head = head
        self.epsilon = epsilon
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
    /// Total downsampling: stem conv and pool (4×), then 2× per later stage.
    public var downsampling: Int { 4 << (stages - 1) }
    /// Spatial size of the last feature map (8 for 256 inputs).
    public var finalResolution: Int { resolution / downsampling }

    /// Throws unless every channel count is whole (bottlenecks are width/4 (ResNet) or width/8 (RevNet) of a stage,
    /// RevNet halves split evenly) and the resolution divides exactly through every stride.
    public func validate() throws {
        let op = "encoder config"
        guard !blocksPerStage.isEmpty, blocksPerStage.allSatisfy({ $0 >= 1 }), stages <= 8 else {
            throw TensorError.unsupported(op: op, "blocks per stage \(blocksPerStage): need 1…8 stages of ≥ 1 block")
        }
        guard width >= 8, width % 8 == 0 else {
            throw TensorError.unsupported(op: op, "width \(width) must be a positive multiple of 8")
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
    /// [7, 7, 3, stem channels] (stem = width/4 for ResNet-50, width for RevNet). An explicit `width` wins;
    /// sources that cannot tell (synthetic weights) get the released width.
    public static func matching(_ architecture: EncoderArchitecture, weights: any WeightSource, width: Int? = nil)
        -> EncoderConfig
    {
        var config: EncoderConfig = architecture == .resnet50 ? .resnet50 : .revnet50x4
        if let width {
            config.width = width
        } else if let stem = weights.storedShape(EncoderConventions.scope + "/" + EncoderNames.stem + "/w"),
            stem.rank == 4
        {
            config.width = architecture == .resnet50 ? stem[3] * 4 : stem[3]
        }
        return config
    }
}
