import Tensors

/// A convolutional trunk: images [N, R, R, 3] → the last feature map [N, R/d, R/d, featureChannels], before pooling.
protocol EncoderTrunk {
    /// `tap` sees the stem's and each block's output, named by weight scope ("stem", "stage1/block1", …).
    func callAsFunction(_ x: Tensor, on b: any Backend, tap: LayerTap?) throws -> Tensor
}

/// The stem shared by both trunks: 7×7/2 conv (no bias, no norm: ResNet v2 and RevNet normalise at the start of
/// each block), then 3×3/2 max pool.
struct EncoderStem {
    let conv: ConvLayer

    init(_ w: WeightBinder, channels: Int) throws {
        // Inputs in [-1, 1] have E[x²] ≈ ⅓ (uniform); gain √3 makes the conv output unit variance.
        conv = try ConvLayer(w, kernel: 7, cin: 3, cout: channels, bias: false, stride: 2, gain: Float(3).squareRoot())
    }

    func callAsFunction(_ x: Tensor, on b: any Backend) throws -> Tensor {
        try b.pool2d(conv(x, on: b), options: Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .same))
    }
}
