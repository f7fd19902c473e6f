import Tensors

/// A convolutional trunk: images [N, R, R, 3] → the last feature map [N, R/d, R/d, featureChannels], before pooling.
protocol EncoderTrunk {
    /// `tap` sees the stem's and each block's output, named by weight scope ("stem", "stage1/block1", …).
    func callAsFunction(_ x: Tensor, on b: any Backend, tap: LayerTap?) throws -> Tensor
}

/// The stem shared by both trunks (no bias, no norm: ResNet v2 and RevNet normalise at the start of each block):
/// for `.imageNet` a 7×7/2 conv, then a 3×3/2 max pool; for `.small` a 3×3/1 conv alone.
struct EncoderStem {
    let conv: ConvLayer
    let pooled: Bool

    init(_ w: WeightBinder, kind: EncoderStemKind, channels: Int) throws {
        // Inputs in [-1, 1] have E[x²] ≈ ⅓ (uniform); gain √3 makes the conv output unit variance.
        conv = try ConvLayer(
            w, kernel: kind.kernel, cin: 3, cout: channels, bias: false, stride: kind.stride,
            gain: Float(3).squareRoot())
        pooled = kind == .imageNet
    }

    func callAsFunction(_ x: Tensor, on b: any Backend) throws -> Tensor {
        let h = try conv(x, on: b)
        guard pooled else { return h }
        return try b.pool2d(h, options: Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .same))
    }
}
