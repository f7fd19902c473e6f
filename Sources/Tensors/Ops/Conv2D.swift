/// Padding rule, as in TensorFlow.
public enum Padding: Sendable, Equatable {
    /// Output = ceil(input / stride); padding split with the extra pixel after (bottom/right).
    case same
    /// No padding: output = (input − kernel) / stride + 1.
    case valid
}

/// Options of `Backend.conv2d`.
public struct Conv2DOptions: Sendable, Equatable {
    public var stride: Int
    public var padding: Padding
    public var activation: Activation

    /// Nearest-neighbour upsampling of x by this factor (1 or 2) before convolving, fused into the input reads:
    /// `conv(upsampleNearest2x(x))` without materialising the 4×-larger upsampled tensor.
    public var inputUpsampling: Int

    public init(stride: Int = 1, padding: Padding = .same, activation: Activation = .none, inputUpsampling: Int = 1) {
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.inputUpsampling = inputUpsampling
    }
}

/// Shape rules of 2-D convolution: x [N,H,W,Cin] ⊛ w [kh,kw,Cin,Cout] → [N,Ho,Wo,Cout];
/// `y = act(conv(x, w) + bias + residual)`.
public enum Conv2D {
    /// Output size and leading padding along one axis.
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Padding) -> (size: Int, padBefore: Int)
    {
        switch padding {
        case .same:
            let out = (input + stride - 1) / stride
            let total = max((out - 1) * stride + kernel - input, 0)
            return (out, total / 2)
        case .valid:
            return (input >= kernel ? (input - kernel) / stride + 1 : 0, 0)
        }
    }

    /// Geometry of a validated convolution. `h`, `w` are the stored input's size; the convolution sees
    /// `h·upsampling` × `w·upsampling`.
    public struct Geometry: Sendable {
        public let n, h, w, cin, kh, kw, cout, ho, wo, padTop, padLeft, stride, upsampling: Int
        public var outputShape: Shape { [n, ho, wo, cout] }
        /// Multiply-adds × 2.
        public var flops: Double { 2 * Double(n * ho * wo) * Double(cout) * Double(kh * kw * cin) }
    }

    public static func geometry(input: Shape, weight: Shape, bias: Shape?, residual: Shape?, options: Conv2DOptions)
        throws -> Geometry
    {
        let op = "conv2d"
        let (n, h, w, c) = try input.nhwc(op)
        guard weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: op, "weight must be [kh,kw,Cin,Cout], got \(weight)")
        }
        let (kh, kw, cin, cout) = (weight[0], weight[1], weight[2], weight[3])
        guard cin == c else {
            throw TensorError.shapeMismatch(op: op, "input has \(c) channels, weight expects \(cin)")
        }
        guard kh >= 1, kw >= 1, cin >= 1, cout >= 1 else {
            throw TensorError.shapeMismatch(op: op, "empty weight \(weight)")
        }
        guard options.stride >= 1 else { throw TensorError.unsupported(op: op, "stride \(options.stride)") }
        guard options.inputUpsampling == 1 || options.inputUpsampling == 2 else {
            throw TensorError.unsupported(op: op, "input upsampling \(options.inputUpsampling) (1 or 2)")
        }
        if let bias, bias != [cout] { throw TensorError.shapeMismatch(op: op, "bias must be [\(cout)], got \(bias)") }
        let u = options.inputUpsampling
        let (ho, padTop) = outputSize(input: h * u, kernel: kh, stride: options.stride, padding: options.padding)
        let (wo, padLeft) = outputSize(input: w * u, kernel: kw, stride: options.stride, padding: options.padding)
        guard ho > 0, wo > 0 else {
            throw TensorError.shapeMismatch(
                op: op, "kernel \(kh)×\(kw) larger than input \(h * u)×\(w * u) with VALID padding")
        }
        let g = Geometry(
            n: n, h: h, w: w, cin: c, kh: kh, kw: kw, cout: cout, ho: ho, wo: wo, padTop: padTop, padLeft: padLeft,
            stride: options.stride, upsampling: u)
        if let residual, residual != g.outputShape {
            throw TensorError.shapeMismatch(op: op, "residual must be \(g.outputShape), got \(residual)")
        }
        return g
    }
}
