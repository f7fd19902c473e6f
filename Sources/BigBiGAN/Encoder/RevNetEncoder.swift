import Tensors

/// RevNet trunk of `bigbigan-revnet50x4`, after Kolesnikov et al. 2019 (inferred: `docs/released-modules.md`,
/// RevNet-50×4 trunk):
///
///     h = maxpool3×3/2(conv7×7/2(x))                         `width` channels (1024 for ×4)
///     for each stage s:  (s ≥ 1: avgpool2×2/2, then zero-pad channels symmetrically, doubling them)
///                        for each block: (x₁, x₂) → (x₂, x₁ + F(x₂))
///     features = BN(h)   (no ReLU)                           → global average pool = avepool_feat (8192)
///
/// The stream is kept as its two channel halves between blocks, so a block never slices or concatenates:
/// the halves of concat(x₂, y₁) are exactly (x₂, y₁). Pooling acts per channel, and padding C/2 zero channels on
/// both sides of [a | b] (each C/2 wide) gives the halves [0 | a] and [b | 0].
struct RevNetEncoder: EncoderTrunk {
    let stem: EncoderStem
    let stages: [[ReversibleBlock]]
    let finalNorm: BatchNormLayer

    init(_ w: WeightBinder, config: EncoderConfig) throws {
        stem = try EncoderStem(w.scoped(EncoderNames.stem), kind: config.stem, channels: config.stemChannels)
        stages = try config.blocksPerStage.enumerated().map { s, count in
            try (0 ..< count).map { k in
                try ReversibleBlock(
                    w.scoped(EncoderNames.block(stage: s, block: k)), channels: config.stageChannels(s),
                    epsilon: config.epsilon)
            }
        }
        finalNorm = try BatchNormLayer(
            w.scoped(EncoderNames.finalNorm), channels: config.featureChannels, affine: true, epsilon: config.epsilon)
    }

    /// The tap sees each block's output as its two halves concatenated (an extra copy, only when tapping).
    func callAsFunction(_ x: Tensor, on b: any Backend, tap: LayerTap?) throws -> Tensor {
        let h = try stem(x, on: b)
        try tap?("stem", h)
        let half = h.shape.channels / 2
        var (x1, x2) = (try b.sliceChannels(h, start: 0, count: half), try b.sliceChannels(h, start: half, count: half))
        for (s, blocks) in stages.enumerated() {
            if s > 0 { (x1, x2) = try poolAndDoubleChannels(x1, x2, on: b) }
            for (k, block) in blocks.enumerated() {
                (x1, x2) = try block(x1, x2, on: b)
                if let tap { try tap(EncoderNames.block(stage: s, block: k), b.concatChannels(x1, x2)) }
            }
        }
        let features = try finalNorm(b.concatChannels(x1, x2), on: b)
        try tap?(EncoderNames.finalNorm, features)
        return features
    }

    /// 2×2/2 SAME average pool, then [a | b] → [0 | a | b | 0] split back into halves.
    private func poolAndDoubleChannels(_ a: Tensor, _ c: Tensor, on b: any Backend) throws -> (Tensor, Tensor) {
        let pool = Pool2DOptions(kind: .average, window: 2, stride: 2, padding: .same)
        let pad = a.shape.channels
        return (
            try b.padChannels(b.pool2d(a, options: pool), before: pad, after: 0),
            try b.padChannels(b.pool2d(c, options: pool), before: 0, after: pad)
        )
    }
}

/// Reversible block on a stream of C channels held as halves (x₁, x₂): returns (x₂, x₁ + F(x₂)), with F the
/// pre-activation bottleneck without shortcut:
///
///     F(x₂) = conv3(relu(BN₃(conv2(relu(BN₂(conv1(relu(BN₁(x₂)))))))))     1×1 to C/8, 3×3, 1×1 back to C/2
///
/// The add is fused into conv3's epilogue; BN₂ and BN₃ are folded into conv1 and conv2 at load, with the
/// ReLU in their epilogues.
struct ReversibleBlock {
    let bn1: BatchNormLayer
    let conv1: ConvLayer
    let conv2: ConvLayer
    let conv3: ConvLayer

    init(_ w: WeightBinder, channels c: Int, epsilon: Float) throws {
        let half = c / 2
        let mid = c / 8
        bn1 = try BatchNormLayer(w.scoped("bn1"), channels: half, affine: true, epsilon: epsilon)
        // As in `PreActBottleneck`: He gain inside, gain 1 on the last conv, so each block adds E[x²] = ½ to one
        // half and the stream grows linearly over the 16 blocks.
        conv1 = try ConvLayer(
            w.scoped("conv1"), kernel: 1, cin: half, cout: mid, foldingNorm: w.scoped("bn2"), epsilon: epsilon,
            activation: .relu)
        conv2 = try ConvLayer(
            w.scoped("conv2"), kernel: 3, cin: mid, cout: mid, foldingNorm: w.scoped("bn3"), epsilon: epsilon,
            activation: .relu)
        conv3 = try ConvLayer(w.scoped("conv3"), kernel: 1, cin: mid, cout: half, bias: false, gain: 1)
    }

    func callAsFunction(_ x1: Tensor, _ x2: Tensor, on b: any Backend) throws -> (Tensor, Tensor) {
        let h = try conv2(conv1(bn1(x2, on: b, activation: .relu), on: b), on: b)
        return (x2, try conv3(h, on: b, residual: x1))
    }
}
