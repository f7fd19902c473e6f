import Tensors

/// BigGAN's up-sampling residual block (`docs/released-modules.md`, GBlock):
///
///     h  = conv0(up(relu(CBN₀(x, c))))        3×3
///     h  = conv1(relu(CBN₁(h, c)))            3×3
///     out = h + conv_sc(up(x))                1×1
struct GBlock {
    let bn0: ConditionalBatchNormLayer
    let conv0: ConvLayer
    let bn1: ConditionalBatchNormLayer
    let conv1: ConvLayer
    let shortcut: ConvLayer

    /// The weight scope of block `k` (from 0): `GBlock`, `GBlock_1`, ….
    static func scope(_ k: Int) -> String { k == 0 ? "GBlock" : "GBlock_\(k)" }

    init(_ w: WeightBinder, cin: Int, cout: Int, conditionDim: Int, epsilon: Float) throws {
        bn0 = try ConditionalBatchNormLayer(
            w.scoped("BatchNorm"), channels: cin, conditionDim: conditionDim, epsilon: epsilon)
        conv0 = try ConvLayer(w.scoped("conv0"), kernel: 3, cin: cin, cout: cout, inputUpsampling: 2)
        bn1 = try ConditionalBatchNormLayer(
            w.scoped("BatchNorm_1"), channels: cout, conditionDim: conditionDim, epsilon: epsilon)
        // Synthetic gains of 1 on both paths keep the sum at unit variance (each branch contributes ½).
        conv1 = try ConvLayer(w.scoped("conv1"), kernel: 3, cin: cout, cout: cout, gain: 1)
        shortcut = try ConvLayer(w.scoped("conv_sc"), kernel: 1, cin: cin, cout: cout, gain: Float(0.5).squareRoot())
    }

    func callAsFunction(_ x: Tensor, condition: Tensor, on b: any Backend) throws -> Tensor {
        var h = try bn0(x, condition: condition, on: b, activation: .relu)
        h = try conv0(h, on: b)  // upsamples its input on the fly
        h = try bn1(h, condition: condition, on: b, activation: .relu)
        // A 1×1 convolution commutes with nearest upsampling, so convolving first is exact and 4× cheaper.
        let skip = try b.upsampleNearest2x(shortcut(x, on: b))
        return try conv1(h, on: b, residual: skip)
    }
}

/// BigGAN's conditional batch norm: stored statistics, gain `1 + c·scale/w`, bias `c·offset/w`
/// (both [conditionDim, C], no bias terms).
struct ConditionalBatchNormLayer {
    let parameters: ConditionalBatchNormParameters

    init(_ w: WeightBinder, channels c: Int, conditionDim k: Int, epsilon: Float) throws {
        // Synthetic gain/bias weights give per-sample gains of about 1 ± 0.1.
        parameters = ConditionalBatchNormParameters(
            mean: try w.tensor("accumulated_mean", [c], .normMean),
            variance: try w.tensor("accumulated_var", [c], .normVariance),
            gainWeight: try w.scoped("scale").tensor("w", [k, c], .kernel(gain: 0.1)),
            biasWeight: try w.scoped("offset").tensor("w", [k, c], .kernel(gain: 0.1)),
            epsilon: epsilon)
    }

    func callAsFunction(_ x: Tensor, condition: Tensor, on b: any Backend, activation: Activation) throws -> Tensor {
        try b.conditionalBatchNorm(x, condition: condition, parameters: parameters, activation: activation)
    }
}
