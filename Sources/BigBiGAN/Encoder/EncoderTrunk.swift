import Tensors

/// A convolutional trunk: images [N, R, R, 3] → the last feature map [N, R/d, R/d, featureChannels], before pooling.
///
/// Synthetic weights: each trunk tracks the expected second moment E[x²] of every batch norm's input while it is
/// built and stores it as that layer's `accumulated_var` (mean 0), so with synthetic weights every BN sees inputs
/// of about the variance it normalises by, however deep the residual stream grows. The moments are the usual
/// He-initialisation estimates (independent terms, relu(unit normal) has E[x²] = ½), good to a small factor.
protocol EncoderTrunk {
    /// `tap` sees the stem's and each block's output, named by weight scope ("stem", "stage1/block1", …).
    func callAsFunction(_ x: Tensor, on b: any Backend, tap: LayerTap?) throws -> Tensor
    /// Expected E[x²] of `avepool_feat` under synthetic weights (the stored variance of the bn_crelu BN).
    var featureSecondMoment: Float { get }
}

/// The stem shared by both trunks: 7×7/2 conv (no bias, no norm: ResNet v2 and RevNet normalise at the start of
/// each block), then 3×3/2 max pool.
struct EncoderStem {
    let conv: ConvLayer

    /// Synthetic E[x²] of the pooled output. The conv output is a unit normal per pixel (below); the max of a 3×3
    /// window of strongly correlated unit normals has mean ≈ 1.2 and E[x²] ≈ 2.
    static let outputSecondMoment: Float = 2

    init(_ w: WeightBinder, channels: Int) throws {
        // Inputs in [-1, 1] have E[x²] ≈ ⅓ (uniform); gain √3 makes the conv output unit variance.
        conv = try ConvLayer(w, kernel: 7, cin: 3, cout: channels, bias: false, stride: 2, gain: Float(3).squareRoot())
    }

    func callAsFunction(_ x: Tensor, on b: any Backend) throws -> Tensor {
        try b.pool2d(conv(x, on: b), options: Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .same))
    }
}
