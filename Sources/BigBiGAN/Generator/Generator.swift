import Tensors

/// The generator's outputs.
public struct GeneratorOutput {
    /// [N, R, R, 3] in [-1, 1] (R = 128 in the release).
    public let image: Tensor
    /// [N, 2R, 2R, 3]: `image` resized 2× (`GeneratorConfig.upsampled`).
    public let upsampled: Tensor
}

/// BigBiGAN's generator G(z), written once against `Backend` (`docs/released-modules.md`, Generator):
///
///     z → 6 chunks of 20;  e = class-embedding row
///     h = reshape(linear(z₀), [N, 4, 4, 16ch])
///     for block k: h = GBlock_k(h, concat(z_{k+1}, e));  attention after the 64×64 block
///     image = tanh(conv_2d(relu(BN(h))))
public final class Generator {
    public let config: GeneratorConfig
    public let backend: any Backend
    let embedding: Tensor
    let zLinear: LinearLayer
    let blocks: [GBlock]
    let attention: SelfAttentionWeights?
    let attentionAfterBlock: Int?
    let finalNorm: BatchNormLayer
    let finalConv: ConvLayer

    /// Checkpoint scope of every generator variable.
    public static let scope = "GenEncWrapper/Generator"

    /// Loads weights from `source` onto `backend`; throws one `WeightLoadError` listing every problem.
    public init(config: GeneratorConfig, weights source: any WeightSource, backend: any Backend) throws {
        try config.validate()
        self.config = config
        self.backend = backend
        let w = WeightBinder(source: source, backend: backend, scope: Self.scope)
        let ch = config.ch
        embedding = try w.scoped("linear").tensor("w", [1, config.embeddingDim], .embedding)
        zLinear = try LinearLayer(
            w.scoped("GenZ/G_linear"), inputs: config.chunkSize,
            outputs: config.bottomResolution * config.bottomResolution * config.bottomChannels)
        var blocks: [GBlock] = []
        for (k, (cin, cout)) in config.blockMultipliers.enumerated() {
            blocks.append(
                try GBlock(
                    w.scoped(GBlock.scope(k)), cin: cin * ch, cout: cout * ch,
                    conditionDim: config.conditionDim, epsilon: config.epsilon))
        }
        self.blocks = blocks
        attentionAfterBlock = config.attentionBlock
        attention = try config.attentionBlock.map {
            try SelfAttentionWeights(w.scoped("attention"), channels: config.blockMultipliers[$0].1 * ch)
        }
        let last = config.blockMultipliers[config.blocks - 1].1 * ch
        finalNorm = try BatchNormLayer(w.scoped("BatchNorm"), channels: last, affine: true, epsilon: config.epsilon)
        // Synthetic gain 1 on post-ReLU inputs puts tanh's input at std ≈ 0.7: images use the range without saturating.
        finalConv = try ConvLayer(w.scoped("conv_2d"), kernel: 3, cin: last, cout: 3, gain: 1)
        try w.finish()
    }

    /// Generates images from latents z [N, zDim]. Work is recorded on the backend; read the outputs with
    /// `backend.download` (one submission for the whole pass on Vulkan). `tap`, when given, sees each named
    /// layer's output in order (for `bigbigan parity`; downloading there forces a submission per layer).
    public func callAsFunction(_ z: Tensor, tap: LayerTap? = nil) throws -> GeneratorOutput {
        let b = backend
        guard z.shape.rank == 2, z.shape[1] == config.zDim, z.shape[0] >= 1 else {
            throw TensorError.shapeMismatch(op: "generate", "z must be [N,\(config.zDim)], got \(z.shape)")
        }
        let n = z.shape[0]
        let chunk = config.chunkSize
        // The single label's embedding, repeated for every sample: ones[N,1] · linear/w[1,E].
        let ones = try b.upload(HostTensor(shape: [n, 1], data: [Float](repeating: 1, count: n)))
        let e = try b.matmul(ones, embedding, bias: nil, options: MatMulOptions())
        var h = try zLinear(b.sliceChannels(z, start: 0, count: chunk), on: b)
            .reshaped([n, config.bottomResolution, config.bottomResolution, config.bottomChannels])
        try tap?("GenZ/G_linear", h)
        for (k, block) in blocks.enumerated() {
            let condition = try b.concatChannels(b.sliceChannels(z, start: (k + 1) * chunk, count: chunk), e)
            h = try block(h, condition: condition, on: b)
            try tap?(GBlock.scope(k), h)
            if k == attentionAfterBlock, let attention {
                h = try b.selfAttention(h, weights: attention)
                try tap?("attention", h)
            }
        }
        h = try finalNorm(h, on: b, activation: .relu)
        try tap?("BatchNorm", h)
        let image = try b.unary(finalConv(h, on: b), .tanh)
        try tap?("image", image)
        let upsampled = try upsample(image)
        try tap?("upsampled", upsampled)
        return GeneratorOutput(image: image, upsampled: upsampled)
    }

    private func upsample(_ image: Tensor) throws -> Tensor {
        let size = 2 * config.resolution
        switch config.upsampled {
        case .nearest: return try backend.upsampleNearest2x(image)
        case .bilinear:
            return try backend.resize(image, options: ResizeOptions(height: size, width: size, method: .bilinear))
        case .bicubic:
            return try backend.resize(image, options: ResizeOptions(height: size, width: size, method: .bicubic))
        }
    }
}
