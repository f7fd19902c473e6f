import Tensors

/// BigGAN's down-sampling residual block of the discriminator (`tools/train/model.py`, `DBlock`):
///
///     h    = conv1(relu(conv0(relu(x))))     3×3, with bias; the first block skips the ReLU on x
///     skip = x
///     if downsample:  h = avgpool2×2(h);  skip = avgpool2×2(skip)
///     if conv_sc:     skip = conv_sc(skip)    1×1, with bias
///     out  = h + skip
struct DBlock {
    let conv0: ConvLayer
    let conv1: ConvLayer
    let shortcut: ConvLayer?
    let downsample: Bool
    let preactivation: Bool

    private static let pool = Pool2DOptions(kind: .average, window: 2, stride: 2, padding: .valid)

    init(_ w: WeightBinder, cin: Int, cout: Int, downsample: Bool, preactivation: Bool, shortcut: Bool) throws {
        conv0 = try ConvLayer(w.scoped("conv0"), kernel: 3, cin: cin, cout: cout, activation: .relu)
        // Synthetic gains of 1 on both paths keep the sum near the input's scale: the main path sees post-ReLU values
        // (half of E[x²] each), the shortcut the block's input.
        conv1 = try ConvLayer(w.scoped("conv1"), kernel: 3, cin: cout, cout: cout, gain: 1)
        self.shortcut = shortcut ? try ConvLayer(w.scoped("conv_sc"), kernel: 1, cin: cin, cout: cout, gain: 1) : nil
        self.downsample = downsample
        self.preactivation = preactivation
    }

    func callAsFunction(_ x: Tensor, on b: any Backend) throws -> Tensor {
        let h = try conv0(preactivation ? b.unary(x, .relu) : x, on: b)  // conv0 applies its ReLU itself
        guard downsample else {
            let skip = try shortcut.map { try $0(x, on: b) } ?? x
            return try conv1(h, on: b, residual: skip)
        }
        let main = try b.pool2d(conv1(h, on: b), options: Self.pool)
        // Average pooling and a 1×1 convolution commute (both linear, the bias the same everywhere), so pooling
        // first is 4× cheaper; the pooled main path enters as the shortcut's residual.
        let skip = try b.pool2d(x, options: Self.pool)
        return try shortcut.map { try $0(skip, on: b, residual: main) } ?? b.add(main, skip)
    }
}
