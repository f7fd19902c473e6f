/// Padding rule, as in TensorFlow.
public enum Padding: Sendable, Equatable {
    /// Output = ceil(input / stride); padding split with the extra pixel after (bottom/right).
    case same
    /// No padding: output = (input − kernel) / stride + 1.
    case valid
    /// Zeros added before and after each spatial axis (TensorFlow's `padding="EXPLICIT"` with `explicit_paddings`
    /// `[0, 0, top, bottom, left, right, 0, 0]` for NHWC): output = (input + before + after − kernel) / stride + 1.
    /// Each amount is non-negative and may exceed the kernel.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
}

/// Options of `Backend.conv2d`.
public struct Conv2DOptions: Sendable, Equatable {
    public var stride: Int
    public var padding: Padding
    /// Spacing between the kernel's taps (TensorFlow's `dilations` `[1, d, d, 1]`; 1 = dense): tap (ky, kx) reads
    /// input offset (ky·d, kx·d), so the kernel spans (k − 1)·d + 1 pixels, the extent SAME and VALID size by.
    /// Only with `inputUpsampling` 1.
    public var dilation: Int
    public var activation: Activation

    /// Nearest-neighbour upsampling of x by this factor (1 or 2) before convolving, fused into the input reads:
    /// `conv(upsampleNearest2x(x))` without materialising the 4×-larger upsampled tensor.
    public var inputUpsampling: Int

    public init(
        stride: Int = 1, padding: Padding = .same, dilation: Int = 1, activation: Activation = .none,
        inputUpsampling: Int = 1
    ) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.activation = activation
        self.inputUpsampling = inputUpsampling
    }
}

/// Shape rules of 2-D convolution: x [N,H,W,Cin] ⊛ w [kh,kw,Cin,Cout] → [N,Ho,Wo,Cout];
/// `y = act(conv(x, w) + bias + residual)`.
public enum Conv2D {
    /// A spatial axis of an NHWC tensor.
    public enum Axis: Sendable {
        case height, width
    }

    /// Output size and leading padding along one axis, as TensorFlow's `GetWindowedOutputSize` computes them.
    /// `kernel` is the window's extent: (k − 1)·dilation + 1 for a dilated kernel. `axis` picks the amounts of
    /// `.explicit` padding (top and bottom or left and right); SAME and VALID are the same along both.
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Padding, axis: Axis)
        -> (size: Int, padBefore: Int)
    {
        switch padding {
        case .same:
            let out = (input + stride - 1) / stride
            let total = max((out - 1) * stride + kernel - input, 0)
            return (out, total / 2)
        case .valid:
            return (input >= kernel ? (input - kernel) / stride + 1 : 0, 0)
        case .explicit(let top, let bottom, let left, let right):
            let (before, after) = axis == .height ? (top, bottom) : (left, right)
            let padded = input + before + after
            return (padded >= kernel ? (padded - kernel) / stride + 1 : 0, before)
        }
    }

    /// Geometry of a validated convolution. `h`, `w` are the stored input's size; the convolution sees
    /// `h·upsampling` × `w·upsampling`. Tap (ky, kx) of output pixel (oy, ox) reads input pixel
    /// (oy·stride − padTop + ky·dilation, ox·stride − padLeft + kx·dilation), zero outside the image.
    public struct Geometry: Sendable {
        public let n, h, w, cin, kh, kw, cout, ho, wo, padTop, padLeft, stride, dilation, upsampling: Int
        public var outputShape: Shape { [n, ho, wo, cout] }
        /// Multiply-adds × 2.
        public var flops: Double { 2 * Double(n * ho * wo) * Double(cout) * Double(kh * kw * cin) }
    }

    /// The largest extent, padding, stride or dilation accepted: the shaders index with 32-bit integers.
    static let maximumExtent = Int(Int32.max)

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
        guard options.stride >= 1, options.stride <= maximumExtent else {
            throw TensorError.unsupported(op: op, "stride \(options.stride)")
        }
        guard options.inputUpsampling == 1 || options.inputUpsampling == 2 else {
            throw TensorError.unsupported(op: op, "input upsampling \(options.inputUpsampling) (1 or 2)")
        }
        let d = options.dilation
        guard d >= 1, d <= maximumExtent else {
            throw TensorError.unsupported(op: op, "dilation \(d) (1 to \(maximumExtent))")
        }
        guard d == 1 || options.inputUpsampling == 1 else {
            throw TensorError.unsupported(
                op: op, "dilation \(d) with input upsampling \(options.inputUpsampling) (dilation needs upsampling 1)")
        }
        try validate(options.padding, op: op)
        if let bias, bias != [cout] { throw TensorError.shapeMismatch(op: op, "bias must be [\(cout)], got \(bias)") }
        let u = options.inputUpsampling
        let (extentH, extentW) = (try dilatedExtent(kh, d, op: op), try dilatedExtent(kw, d, op: op))
        let (ho, padTop) = outputSize(
            input: h * u, kernel: extentH, stride: options.stride, padding: options.padding, axis: .height)
        let (wo, padLeft) = outputSize(
            input: w * u, kernel: extentW, stride: options.stride, padding: options.padding, axis: .width)
        guard ho > 0, wo > 0 else {
            throw TensorError.shapeMismatch(
                op: op,
                "kernel \(kh)×\(kw) (extent \(extentH)×\(extentW) at dilation \(d)) larger than the padded input "
                    + "\(h * u)×\(w * u) with \(options.padding) padding")
        }
        let g = Geometry(
            n: n, h: h, w: w, cin: c, kh: kh, kw: kw, cout: cout, ho: ho, wo: wo, padTop: padTop, padLeft: padLeft,
            stride: options.stride, dilation: d, upsampling: u)
        guard elementCount([n, ho, wo, cout]) != nil else {
            throw TensorError.unsupported(op: op, "output [\(n),\(ho),\(wo),\(cout)] has too many elements")
        }
        if let residual, residual != g.outputShape {
            throw TensorError.shapeMismatch(op: op, "residual must be \(g.outputShape), got \(residual)")
        }
        return g
    }

    /// Throws unless every amount of `.explicit` padding is in 0 … `maximumExtent`.
    static func validate(_ padding: Padding, op: String) throws {
        guard case .explicit(let top, let bottom, let left, let right) = padding else { return }
        guard [top, bottom, left, right].allSatisfy({ (0 ... maximumExtent).contains($0) }) else {
            throw TensorError.unsupported(
                op: op,
                "explicit padding top \(top), bottom \(bottom), left \(left), right \(right) (each 0 to \(maximumExtent))"
            )
        }
    }

    /// (k − 1)·dilation + 1, the pixels a dilated kernel spans, within `maximumExtent`.
    private static func dilatedExtent(_ k: Int, _ dilation: Int, op: String) throws -> Int {
        let (span, overflow) = (k - 1).multipliedReportingOverflow(by: dilation)
        guard !overflow, span < maximumExtent else {
            throw TensorError.unsupported(
                op: op, "kernel \(k) at dilation \(dilation) spans more than \(maximumExtent)")
        }
        return span + 1
    }

    /// The product of `dims`, or nil where it overflows `Int`.
    static func elementCount(_ dims: [Int]) -> Int? {
        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
