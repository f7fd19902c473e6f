/// Interpolation kernel of `Backend.resize`.
public enum ResizeMethod: Int32, Sendable {
    case bilinear = 0
    /// Keys' cubic convolution with coefficient `ResizeOptions.cubicCoefficient`, edges as
    /// `ResizeOptions.cubicBorder` says, weights as `ResizeOptions.cubicWeights` says.
    case bicubic = 1
    /// The nearest input pixel, by TensorFlow's `ResizeNearestNeighbor` index rules (`Resize.nearestIndex`): a copy,
    /// exact on every backend.
    case nearest = 2
}

/// How output pixel centres map to input coordinates. The scale is TensorFlow's `CalculateResizeScale`, computed
/// in fp32 as TensorFlow computes it (`Resize.scale`), and the coordinate is TensorFlow's scaler applied to it
/// (`Resize.sourceCoordinate`), so tap indices and fractions are TensorFlow's bit for bit.
public enum ResizeCoordinates: Int32, Sendable {
    /// src = (dst + 0.5) · in/out − 0.5: TensorFlow's `half_pixel_centers=True` (TF2 `tf.image.resize`), PyTorch
    /// align_corners=False, PIL without antialias.
    case halfPixel = 0
    /// src = dst · in/out: TensorFlow's `align_corners=False, half_pixel_centers=False` (the TF1
    /// `tf.image.resize_*` defaults).
    case asymmetric = 1
    /// src = dst · (in − 1)/(out − 1), 0 for a single output: TensorFlow's `align_corners=True`.
    case alignCorners = 2
}

/// What bicubic resizing does with the taps that fall outside the input.
public enum CubicBorder: Int32, Sendable {
    /// They read the edge pixel (TensorFlow's `ResizeBicubic` with `half_pixel_centers=False`, PyTorch).
    case clampToEdge = 0
    /// Their weight is 0 and the remaining weights are divided by their sum where that sum's magnitude is at least
    /// 1000 × the smallest normal float (TensorFlow's `ResizeBicubic` with `half_pixel_centers=True`, which divides
    /// by the sum in the interior too, and ONNX `exclude_outside`).
    case excludeOutside = 1
}

/// How bicubic resizing evaluates Keys' kernel.
public enum CubicWeights: Int32, Sendable {
    /// At the tap's exact fractional distance.
    case exact = 0
    /// As TensorFlow's `ResizeBicubic` does: the fraction rounded (ties to even) to a multiple of 1/1024, the
    /// kernel's polynomial evaluated there in double precision and rounded to fp32 (its 1025-entry table).
    case tensorFlowTable = 1
}

/// Options of `Backend.resize`. Bilinear and bicubic samples outside the input clamp to the edge (bicubic:
/// unless `cubicBorder` is `.excludeOutside`).
///
/// TensorFlow's resize ops map onto these options as `ResizeOptions.tensorFlow` maps them:
/// - `ResizeNearestNeighbor`: `.nearest`; `half_pixel_centers=True` → `.halfPixel`, `align_corners=True` →
///   `.alignCorners`, neither → `.asymmetric`.
/// - `ResizeBilinear`: `.bilinear` with the same coordinate mapping.
/// - `ResizeBicubic` with `half_pixel_centers=True`: `.bicubic`, `.halfPixel`, a = −0.5, `.excludeOutside`,
///   `.tensorFlowTable`; otherwise `.alignCorners` or `.asymmetric`, a = −0.75, `.clampToEdge`, `.tensorFlowTable`.
/// - `align_corners=True` with `half_pixel_centers=True` is an error in TensorFlow, and here.
///
/// The defaults (`.halfPixel`, a = −0.5, `.clampToEdge`, `.exact`) are the BigBiGAN colab's image preprocessing and
/// match none of TensorFlow's bicubic variants exactly.
public struct ResizeOptions: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var method: ResizeMethod
    public var coordinates: ResizeCoordinates
    /// Keys' `a`: −0.5 in TF2 (`ResizeBicubic` with `half_pixel_centers=True`) and PIL, −0.75 in TF1's
    /// `ResizeBicubic` (`half_pixel_centers=False`) and PyTorch.
    public var cubicCoefficient: Float
    public var cubicBorder: CubicBorder
    public var cubicWeights: CubicWeights

    public init(
        height: Int, width: Int, method: ResizeMethod, coordinates: ResizeCoordinates = .halfPixel,
        cubicCoefficient: Float = -0.5, cubicBorder: CubicBorder = .clampToEdge, cubicWeights: CubicWeights = .exact
    ) {
        self.height = height
        self.width = width
        self.method = method
        self.coordinates = coordinates
        self.cubicCoefficient = cubicCoefficient
        self.cubicBorder = cubicBorder
        self.cubicWeights = cubicWeights
    }

    /// The options that compute TensorFlow's `ResizeNearestNeighbor` (`.nearest`), `ResizeBilinear` (`.bilinear`)
    /// or `ResizeBicubic` (`.bicubic`) with attributes `align_corners` and `half_pixel_centers`, to `height` ×
    /// `width`. Throws where both attributes are true, as TensorFlow does.
    public static func tensorFlow(
        _ method: ResizeMethod, height: Int, width: Int, alignCorners: Bool, halfPixelCenters: Bool
    ) throws -> ResizeOptions {
        guard !(alignCorners && halfPixelCenters) else {
            throw TensorError.unsupported(
                op: "resize", "align_corners and half_pixel_centers both true (TensorFlow rejects the pair)")
        }
        let coordinates: ResizeCoordinates =
            halfPixelCenters ? .halfPixel : alignCorners ? .alignCorners : .asymmetric
        return ResizeOptions(
            height: height, width: width, method: method, coordinates: coordinates,
            cubicCoefficient: halfPixelCenters ? -0.5 : -0.75,
            cubicBorder: halfPixelCenters ? .excludeOutside : .clampToEdge,
            cubicWeights: .tensorFlowTable)
    }
}

public enum Resize {
    /// Input and output sizes must stay below 2²⁴ (as TensorFlow's `ResizeNearestNeighbor` requires): the
    /// coordinates are fp32, which hold every pixel index exactly only up to there.
    public static let maximumSize = 1 << 24

    public static func outputShape(_ x: Shape, _ o: ResizeOptions) throws -> Shape {
        let (n, h, w, c) = try x.nhwc("resize")
        guard o.height >= 1, o.width >= 1, o.height < maximumSize, o.width < maximumSize else {
            throw TensorError.unsupported(
                op: "resize", "output size \(o.height)×\(o.width) (each 1 to \(maximumSize - 1))")
        }
        guard h >= 1, w >= 1 else { throw TensorError.shapeMismatch(op: "resize", "empty input \(x)") }
        guard h < maximumSize, w < maximumSize else {
            throw TensorError.unsupported(op: "resize", "input size \(h)×\(w) (each below \(maximumSize))")
        }
        guard Conv2D.elementCount([n, o.height, o.width, c]) != nil else {
            throw TensorError.unsupported(
                op: "resize", "output [\(n),\(o.height),\(o.width),\(c)] has too many elements")
        }
        return [n, o.height, o.width, c]
    }

    /// TensorFlow's `CalculateResizeScale` in fp32: (in − 1)/(out − 1) for `.alignCorners` with more than one
    /// output, in/out otherwise.
    public static func scale(input: Int, output: Int, _ mode: ResizeCoordinates) -> Float {
        mode == .alignCorners && output > 1 ? Float(input - 1) / Float(output - 1) : Float(input) / Float(output)
    }

    /// The input coordinate sampled by output index `dst`: TensorFlow's `HalfPixelScaler` ((dst + 0.5)·scale − 0.5)
    /// for `.halfPixel`, its `LegacyScaler` (dst·scale) otherwise, each operation rounded to fp32.
    public static func sourceCoordinate(_ dst: Int, input: Int, output: Int, _ mode: ResizeCoordinates) -> Float {
        let s = scale(input: input, output: output, mode)
        switch mode {
        case .halfPixel: return (Float(dst) + 0.5) * s - 0.5
        case .asymmetric, .alignCorners: return Float(dst) * s
        }
    }

    /// The input index `ResizeMethod.nearest` copies to output index `dst`, as TensorFlow's `ResizeNearestNeighbor`
    /// computes it in fp32: min(floor(dst·scale), in − 1) for `.asymmetric`, min(round(dst·scale), in − 1) with
    /// halves away from zero (`roundf`) for `.alignCorners`, and min(floor((dst + 0.5)·scale), in − 1) (its
    /// `HalfPixelScalerForNN`) for `.halfPixel`.
    public static func nearestIndex(_ dst: Int, input: Int, output: Int, _ mode: ResizeCoordinates) -> Int {
        let s = scale(input: input, output: output, mode)
        let index: Float
        switch mode {
        case .halfPixel: index = ((Float(dst) + 0.5) * s).rounded(.down)
        case .asymmetric: index = (Float(dst) * s).rounded(.down)
        case .alignCorners: index = (Float(dst) * s).rounded(.toNearestOrAwayFromZero)
        }
        return max(min(Int(index), input - 1), 0)
    }

    /// Keys' cubic convolution weight for distance `t`.
    public static func cubicWeight(_ t: Float, a: Float) -> Float {
        let x = abs(t)
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }

    /// Steps per unit of TensorFlow's bicubic weight table (`CubicWeights.tensorFlowTable`).
    public static let cubicTableSteps = 1024

    /// The weight `CubicWeights.tensorFlowTable` gives distance `t` (a multiple of 1/1024): Keys' polynomial in
    /// double precision, as TensorFlow fills its table, rounded to fp32.
    static func cubicTableWeight(_ t: Double, a: Float) -> Float {
        let (x, a) = (abs(t), Double(a))
        if x <= 1 { return Float(((a + 2) * x - (a + 3)) * x * x + 1) }
        if x < 2 { return Float(((a * x - 5 * a) * x + 8 * a) * x - 4 * a) }
        return 0
    }
}

/// The input indices (clamped to the edge) and weights that make each output index along one axis: the separable
/// filter of `Backend.resize`, shared by the CPU reference and by code that resizes without a tensor.
public struct ResizeTaps: Sendable {
    /// Taps per output index: 1 for nearest (weight 1), 2 for bilinear, 4 for bicubic.
    public let count: Int
    /// `count` entries per output index, output index outermost.
    public private(set) var index: [Int] = []
    /// The weight of each entry of `index`.
    public private(set) var weight: [Float] = []

    /// The taps that resize an axis of `input` samples to `output` samples as `options` say.
    public init(input: Int, output: Int, _ options: ResizeOptions) {
        switch options.method {
        case .nearest: count = 1
        case .bilinear: count = 2
        case .bicubic: count = 4
        }
        for dst in 0 ..< output {
            if options.method == .nearest {
                index.append(Resize.nearestIndex(dst, input: input, output: output, options.coordinates))
                weight.append(1)
                continue
            }
            let source = Resize.sourceCoordinate(dst, input: input, output: output, options.coordinates)
            let base = source.rounded(.down)
            let fraction = source - base
            if options.method == .bilinear {
                // Taps base, base+1.
                index += [min(max(Int(base), 0), input - 1), min(max(Int(base) + 1, 0), input - 1)]
                weight += [1 - fraction, fraction]
                continue
            }
            // Taps base−1 … base+2 at distances fraction+1, fraction, 1−fraction, 2−fraction.
            var weights: [Float]
            switch options.cubicWeights {
            case .exact:
                weights = (-1 ... 2).map { Resize.cubicWeight(fraction - Float($0), a: options.cubicCoefficient) }
            case .tensorFlowTable:
                let steps = Float(Resize.cubicTableSteps)
                let step = Double((fraction * steps).rounded(.toNearestOrEven)) / Double(steps)
                weights = (-1 ... 2).map { Resize.cubicTableWeight(step - Double($0), a: options.cubicCoefficient) }
            }
            let taps = (-1 ... 2).map { Int(base) + $0 }
            if options.cubicBorder == .excludeOutside {
                for k in 0 ..< 4 where !(0 ..< input).contains(taps[k]) { weights[k] = 0 }
                let sum = weights[0] + weights[1] + weights[2] + weights[3]
                if abs(sum) >= 1000 * Float.leastNormalMagnitude {
                    let reciprocal = 1 / sum
                    for k in 0 ..< 4 { weights[k] *= reciprocal }
                }
            }
            index += taps.map { min(max($0, 0), input - 1) }
            weight += weights
        }
    }
}
