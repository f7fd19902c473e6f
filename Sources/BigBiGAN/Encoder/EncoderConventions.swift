import Tensors

/// Every unconfirmed choice of the encoder, in one place. Each is the best guess recorded in
/// `docs/released-modules.md` (whose section names are quoted below) or, where there is none, the convention of the
/// RevNet's reference implementation (`google/revisiting-self-supervised`, `models/resnet.py`). All of them must be
/// checked against the released module (`bigbigan inspect`; "Open questions") before real weights are trusted.
///
/// Built into the code rather than switchable here:
/// - **ResNet v2, pre-activation** bottlenecks ("ResNet-50 trunk", unconfirmed): `preact = relu(BN(x))` feeds both
///   the residual branch and the projection shortcut; no BN/ReLU after the stem; final BN + ReLU before pooling.
///   See `ResNetEncoder`.
/// - **SAME padding** everywhere ("ResNet-50 trunk", unconfirmed). The Kolesnikov reference pads symmetrically by
///   (k−1)/2 and then convolves VALID ("fixed padding"). That equals SAME except for stride 2 on an even input size,
///   where SAME puts the extra pad pixel after and fixed padding before: the 7×7/2 stem, the 3×3/2 max pool and the
///   strided 3×3 convs. If the graph shows explicit `Pad` ops, an explicit-padding option is needed in
///   `Conv2D`/`Pool2D`.
/// - **No conv biases** in the trunk (every conv is followed by a BN, as in the reference); the head linears have biases.
/// - **bn_crelu_feat** ("BN+CReLU feature": the structure inferred, the BN's details unconfirmed): BN with stored
///   statistics and no γ/β on `avepool_feat`, then the backend's `crelu`, which is `tf.nn.crelu`'s order
///   [relu(x), relu(−x)].
/// - **Head on `avepool_feat`** ("Encoder head", unconfirmed), described by `EncoderHead`.
/// - **σ = softplus(σ̂)** with nothing added ("Stochastic head": softplus confirmed; whether an extra ε is added to σ,
///   unconfirmed).
public enum EncoderConventions {
    /// Checkpoint scope of every encoder variable ("Encoder variables", unconfirmed: presumably
    /// `GenEncWrapper/Encoder/...`).
    public static let scope = "GenEncWrapper/Encoder"

    /// ε of every encoder batch norm ("Encoder batch-norm epsilon", unconfirmed). 1e-3 is TensorFlow's default in
    /// `tf.layers`, Keras, Slim and Sonnet batch norms alike (1e-5 is PyTorch's); the reference `models/resnet.py`
    /// uses `tf.layers` defaults. The generator's 1e-4 is BigGAN's own choice and says nothing about the encoder.
    public static let batchNormEpsilon: Float = 1e-3

    /// Whether a strided bottleneck puts its stride on the 3×3 conv (the reference's choice, "ResNet v1.5") rather
    /// than the first 1×1 (the original paper). "ResNet-50 trunk", unconfirmed.
    public static let strideOnThreeByThree = true

    /// The released models' MLP head ("Encoder head", unconfirmed; recollection of the paper: "≈4 layers, width
    /// ≈4096, with residual/skip connections, then a linear layer producing 2×120").
    public static let releasedHead = EncoderHead(hiddenWidths: [4096, 4096, 4096, 4096], residual: true)
}

/// Canonical weight names below `EncoderConventions.scope`. **Provisional**: invented to be readable until
/// `bigbigan inspect` lists the real encoder variables (`docs/released-modules.md`, Encoder variables); a loader
/// then maps real names onto these.
///
///     stem/conv/w                               [7,7,3,stem]
///     stage<s>/block<b>/bn1|bn2|bn3/<bn vars>   (ResNet bn1 is the pre-activation shared with the shortcut)
///     stage<s>/block<b>/conv1|conv2|conv3/w
///     stage<s>/block<b>/shortcut/w              (ResNet, first block of each stage only)
///     final_bn/<bn vars>
///     bn_crelu/bn/accumulated_mean|accumulated_var
///     head/linear_<i>/w|b,  head/z_params/w|b   ([hidden, 2·zDim]: μ first, then σ̂)
///
/// `<bn vars>` are the generator's names (`accumulated_mean`, `accumulated_var`, `scale`, `offset`, see
/// `BatchNormLayer`), assuming the encoder shares the generator's BN module; `tf.layers` would say
/// `moving_mean`, `moving_variance`, `gamma`, `beta`. Stages and blocks count from 1.
enum EncoderNames {
    static let stem = "stem/conv"
    static func block(stage: Int, block: Int) -> String { "stage\(stage + 1)/block\(block + 1)" }
    static let finalNorm = "final_bn"
    static let featureNorm = "bn_crelu/bn"
    static func hidden(_ i: Int) -> String { "head/linear_\(i + 1)" }
    static let zParams = "head/z_params"
}
