/// Interpolation kernel of `Backend.resize`.
public enum ResizeMethod: Int32, Sendable {
    case bilinear = 0
    /// Keys' cubic convolution with coefficient `ResizeOptions.cubicCoefficient`.
    case bicubic = 1
}

/// How output pixel centres map to input coordinates.
public enum ResizeCoordinates: Int32, Sendable {
    /// src = (dst + 0.5) · in/out − 0.5 (TF2 `tf.image.resize`, PyTorch align_corners=False, PIL without antialias).
    case halfPixel = 0
    /// src = dst · in/out (TF1 `tf.image.resize_*` defaults).
    case asymmetric = 1
    /// src = dst · (in − 1)/(out − 1) (align_corners=True).
    case alignCorners = 2
}

/// Options of `Backend.resize`. Samples outside the input clamp to the edge.
public struct ResizeOptions: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var method: ResizeMethod
    public var coordinates: ResizeCoordinates
    /// Keys' `a`: −0.5 in TF2 and PIL, −0.75 in TF1's ResizeBicubic and PyTorch.
    public var cubicCoefficient: Float

    public init(
        height: Int, width: Int, method: ResizeMethod, coordinates: ResizeCoordinates = .halfPixel,
        cubicCoefficient: Float = -0.5
    ) {
        self.height = height
        self.width = width
        self.method = method
        self.coordinates = coordinates
        self.cubicCoefficient = cubicCoefficient
    }
}

public enum Resize {
    public static func outputShape(_ x: Shape, _ o: ResizeOptions) throws -> Shape {
        let (n, h, w, c) = try x.nhwc("resize")
        guard o.height >= 1, o.width >= 1 else {
            throw TensorError.unsupported(op: "resize", "output size \(o.height)×\(o.width)")
        }
        guard h >= 1, w >= 1 else { throw TensorError.shapeMismatch(op: "resize", "empty input \(x)") }
        return [n, o.height, o.width, c]
    }

    /// The input coordinate sampled by output index `dst`.
    public static func sourceCoordinate(_ dst: Int, input: Int, output: Int, _ mode: ResizeCoordinates) -> Float {
        switch mode {
        case .halfPixel: return (Float(dst) + 0.5) * Float(input) / Float(output) - 0.5
        case .asymmetric: return Float(dst) * Float(input) / Float(output)
        case .alignCorners: return output > 1 ? Float(dst) * Float(input - 1) / Float(output - 1) : 0
        }
    }

    /// Keys' cubic convolution weight for distance `t`.
    public static func cubicWeight(_ t: Float, a: Float) -> Float {
        let x = abs(t)
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
}

/// The input indices (clamped to the edge) and weights that make each output index along one axis: the separable
/// filter of `Backend.resize`, shared by the CPU reference and by code that resizes without a tensor.
public struct ResizeTaps: Sendable {
    /// Taps per output index: 2 for bilinear, 4 for bicubic.
    public let count: Int
    /// `count` entries per output index, output index outermost.
    public private(set) var index: [Int] = []
    /// The weight of each entry of `index`.
    public private(set) var weight: [Float] = []

    /// The taps that resize an axis of `input` samples to `output` samples as `options` say.
    public init(input: Int, output: Int, _ options: ResizeOptions) {
        count = options.method == .bilinear ? 2 : 4
        for dst in 0 ..< output {
            let source = Resize.sourceCoordinate(dst, input: input, output: output, options.coordinates)
            let base = source.rounded(.down)
            let fraction = source - base
            for k in 0 ..< count {
                // Bilinear taps base, base+1; bicubic taps base−1 … base+2.
                let offset = options.method == .bilinear ? k : k - 1
                index.append(min(max(Int(base) + offset, 0), input - 1))
                switch options.method {
                case .bilinear: weight.append(k == 0 ? 1 - fraction : fraction)
                case .bicubic: weight.append(Resize.cubicWeight(fraction - Float(offset), a: options.cubicCoefficient))
                }
            }
        }
    }
}
