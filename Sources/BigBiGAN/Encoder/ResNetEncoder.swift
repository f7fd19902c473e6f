import Tensors

/// ResNet-v2 trunk of `bigbigan-resnet50` (`docs/released-modules.md`, ResNet-50 trunk; the unconfirmed choices are in
/// `EncoderConventions`):
///
///     h = maxpool3×3/2(conv7×7/2(x))
///     for each stage s, block k:  h = PreActBottleneck(h)      stride 2 at k = 0 of stages ≥ 1
///     features = relu(BN(h))                                    → global average pool = avepool_feat
struct ResNetEncoder: EncoderTrunk {
    let stem: EncoderStem
    let blocks: [PreActBottleneck]
    let blockNames: [String]
    let finalNorm: BatchNormLayer

    init(_ w: WeightBinder, config: EncoderConfig) throws {
        stem = try EncoderStem(w.scoped(EncoderNames.stem), kind: config.stem, channels: config.stemChannels)
        var channels = config.stemChannels
        var blocks: [PreActBottleneck] = []
        var names: [String] = []
        for (s, count) in config.blocksPerStage.enumerated() {
            for k in 0 ..< count {
                let name = EncoderNames.block(stage: s, block: k)
                blocks.append(
                    try PreActBottleneck(
                        w.scoped(name), cin: channels, cout: config.stageChannels(s),
                        stride: s > 0 && k == 0 ? 2 : 1, epsilon: config.epsilon))
                names.append(name)
                channels = config.stageChannels(s)
            }
        }
        self.blocks = blocks
        blockNames = names
        finalNorm = try BatchNormLayer(
            w.scoped(EncoderNames.finalNorm), channels: channels, affine: true, epsilon: config.epsilon)
    }

    func callAsFunction(_ x: Tensor, on b: any Backend, tap: LayerTap?) throws -> Tensor {
        var h = try stem(x, on: b)
        try tap?("stem", h)
        for (name, block) in zip(blockNames, blocks) {
            h = try block(h, on: b)
            try tap?(name, h)
        }
        h = try finalNorm(h, on: b, activation: .relu)
        try tap?(EncoderNames.finalNorm, h)
        return h
    }
}

/// Pre-activation bottleneck (ResNet v2):
///
///     p = relu(BN₁(x))
///     skip = shortcut(p)  (1×1, stride s) if the shape changes, else x
///     h = conv1(p) 1×1 → relu(BN₂) → conv2 3×3 stride s → relu(BN₃)
///     out = conv3(h) 1×1 (4× width) + skip              (the add fused into conv3's epilogue)
///
/// BN₂ and BN₃ follow a convolution directly, so they are folded into conv1 and conv2 at load, with the
/// ReLU in the convolution's epilogue.
struct PreActBottleneck {
    let bn1: BatchNormLayer
    let shortcut: ConvLayer?
    let conv1: ConvLayer
    let conv2: ConvLayer
    let conv3: ConvLayer

    init(_ w: WeightBinder, cin: Int, cout: Int, stride: Int, epsilon: Float) throws {
        let mid = cout / 4
        let (stride1, stride3) = EncoderConventions.strideOnThreeByThree ? (1, stride) : (stride, 1)
        bn1 = try BatchNormLayer(w.scoped("bn1"), channels: cin, affine: true, epsilon: epsilon)
        // He gain √2 after ReLU keeps the inner convs' outputs at E[x²] ≈ 1, which their BNs expect.
        conv1 = try ConvLayer(
            w.scoped("conv1"), kernel: 1, cin: cin, cout: mid, stride: stride1,
            foldingNorm: w.scoped("bn2"), epsilon: epsilon, activation: .relu)
        conv2 = try ConvLayer(
            w.scoped("conv2"), kernel: 3, cin: mid, cout: mid, stride: stride3,
            foldingNorm: w.scoped("bn3"), epsilon: epsilon, activation: .relu)
        // Gain 1 on the branch's last conv (and on the projection) adds E[x²] ≈ ½ per block: a projection block
        // restarts the stream at ½ + ½ = 1, identity blocks grow it linearly, not geometrically.
        conv3 = try ConvLayer(w.scoped("conv3"), kernel: 1, cin: mid, cout: cout, bias: false, gain: 1)
        shortcut =
            stride != 1 || cin != cout
            ? try ConvLayer(w.scoped("shortcut"), kernel: 1, cin: cin, cout: cout, bias: false, stride: stride, gain: 1)
            : nil
    }

    func callAsFunction(_ x: Tensor, on b: any Backend) throws -> Tensor {
        let p = try bn1(x, on: b, activation: .relu)
        let skip = try shortcut.map { try $0(p, on: b) } ?? x
        return try conv3(conv2(conv1(p, on: b), on: b), on: b, residual: skip)
    }
}
