import Tensors

/// A convolution with optional bias; weights [kh,kw,Cin,Cout] named `<scope>/w`, bias `<scope>/b`.
struct ConvLayer {
    let weight: Tensor
    let bias: Tensor?
    let options: Conv2DOptions

    init(
        _ w: WeightBinder, kernel: Int, cin: Int, cout: Int, bias: Bool = true, stride: Int = 1,
        gain: Float = Float(2).squareRoot(),
        activation: Activation = .none, inputUpsampling: Int = 1
    ) throws {
        weight = try w.tensor("w", [kernel, kernel, cin, cout], .kernel(gain: gain))
        self.bias = bias ? try w.tensor("b", [cout], .bias) : nil
        options = Conv2DOptions(
            stride: stride, padding: .same, activation: activation, inputUpsampling: inputUpsampling)
    }

    /// A bias-free convolution followed by an inference batch norm (named by `norm`), folded at load into one
    /// convolution with a bias, which saves the normalisation pass:
    /// w′[…, o] = w[…, o]·s[o],  b′[o] = β[o] − μ[o]·s[o],  s[o] = γ[o] / √(σ²[o] + ε).
    init(
        _ w: WeightBinder, kernel: Int, cin: Int, cout: Int, stride: Int = 1, gain: Float = Float(2).squareRoot(),
        foldingNorm norm: WeightBinder, epsilon: Float, activation: Activation
    ) throws {
        let raw = w.host("w", [kernel, kernel, cin, cout], .kernel(gain: gain))
        let mean = norm.host("accumulated_mean", [cout], .normMean).data
        let variance = norm.host("accumulated_var", [cout], .normVariance).data
        let gamma = norm.host("scale", [cout], .normScale).data
        let beta = norm.host("offset", [cout], .normOffset).data
        let scale = (0 ..< cout).map { Double(gamma[$0]) / (Double(variance[$0]) + Double(epsilon)).squareRoot() }
        var folded = raw
        for i in folded.data.indices { folded.data[i] = Float(Double(raw.data[i]) * scale[i % cout]) }
        let shift = (0 ..< cout).map { Float(Double(beta[$0]) - Double(mean[$0]) * scale[$0]) }
        weight = try w.backend.upload(folded)
        bias = try w.backend.upload(HostTensor(shape: [cout], data: shift))
        options = Conv2DOptions(stride: stride, padding: .same, activation: activation)
    }

    func callAsFunction(_ x: Tensor, on backend: any Backend, residual: Tensor? = nil) throws -> Tensor {
        try backend.conv2d(x, weight: weight, bias: bias, residual: residual, options: options)
    }
}

/// A fully connected layer, weight [in,out] named `<scope>/w`, optional bias `<scope>/b`.
struct LinearLayer {
    let weight: Tensor
    let bias: Tensor?
    let activation: Activation

    init(
        _ w: WeightBinder, inputs: Int, outputs: Int, bias: Bool = true, gain: Float = 1, activation: Activation = .none
    ) throws {
        weight = try w.tensor("w", [inputs, outputs], .kernel(gain: gain))
        self.bias = bias ? try w.tensor("b", [outputs], .bias) : nil
        self.activation = activation
    }

    func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.matmul(x, weight, bias: bias, options: MatMulOptions(activation: activation))
    }
}

/// Batch norm with stored statistics (`accumulated_mean`, `accumulated_var`) and optional γ/β.
struct BatchNormLayer {
    let parameters: BatchNormParameters

    /// `affine`: whether γ (`scale`) and β (`offset`) exist.
    init(_ w: WeightBinder, channels c: Int, affine: Bool, epsilon: Float) throws {
        parameters = BatchNormParameters(
            mean: try w.tensor("accumulated_mean", [c], .normMean),
            variance: try w.tensor("accumulated_var", [c], .normVariance),
            scale: affine ? try w.tensor("scale", [c], .normScale) : nil,
            offset: affine ? try w.tensor("offset", [c], .normOffset) : nil,
            epsilon: epsilon)
    }

    func callAsFunction(_ x: Tensor, on backend: any Backend, activation: Activation = .none) throws -> Tensor {
        try backend.batchNorm(x, parameters: parameters, activation: activation)
    }
}

extension SelfAttentionWeights {
    /// The BigGAN self-attention weights of a C-channel map: `theta/w`, `phi/w` [1,1,C,C/8], `g/w` [1,1,C,C/2],
    /// `o_conv/w` [1,1,C/2,C] and the scalar `gamma` (synthetic: 0.2, so the block visibly changes its input).
    init(_ w: WeightBinder, channels c: Int) throws {
        self.init(
            theta: try w.scoped("theta").tensor("w", [1, 1, c, c / 8], .kernel(gain: 1)),
            phi: try w.scoped("phi").tensor("w", [1, 1, c, c / 8], .kernel(gain: 1)),
            g: try w.scoped("g").tensor("w", [1, 1, c, c / 2], .kernel(gain: 1)),
            o: try w.scoped("o_conv").tensor("w", [1, 1, c / 2, c], .kernel(gain: 1)),
            gamma: w.host("gamma", [], .scalar(0.2)).data.first ?? 0)
    }
}
