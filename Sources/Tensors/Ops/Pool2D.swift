/// Max or average pooling.
public enum PoolKind: Int32, Sendable {
    case max = 0
    /// Averages only the input pixels inside the window (padding excluded, as in TensorFlow).
    case average = 1
}

/// Options of `Backend.pool2d`: a square window.
public struct Pool2DOptions: Sendable, Equatable {
    public var kind: PoolKind
    public var window: Int
    public var stride: Int
    /// SAME, VALID, or `.explicit` amounts each below `window` (so that every window holds an input pixel), as
    /// TensorFlow's `MaxPool` with `padding="EXPLICIT"`; padded positions are skipped as with SAME.
    public var padding: Padding

    public init(kind: PoolKind, window: Int, stride: Int, padding: Padding = .valid) {
        self.kind = kind
        self.window = window
        self.stride = stride
        self.padding = padding
    }
}

public enum Pool2D {
    public struct Geometry: Sendable {
        public let n, h, w, c, ho, wo, padTop, padLeft: Int
        public var outputShape: Shape { [n, ho, wo, c] }
    }

    public static func geometry(_ x: Shape, _ o: Pool2DOptions) throws -> Geometry {
        let op = "pool2d"
        let (n, h, w, c) = try x.nhwc(op)
        guard o.window >= 1, o.stride >= 1 else {
            throw TensorError.unsupported(op: op, "window \(o.window), stride \(o.stride)")
        }
        if case .explicit(let top, let bottom, let left, let right) = o.padding {
            guard [top, bottom, left, right].allSatisfy({ (0 ..< o.window).contains($0) }) else {
                throw TensorError.unsupported(
                    op: op,
                    "explicit padding top \(top), bottom \(bottom), left \(left), right \(right) with window "
                        + "\(o.window) (each 0 to window − 1, so that no window lies in the padding alone)")
            }
        }
        let (ho, padTop) = Conv2D.outputSize(
            input: h, kernel: o.window, stride: o.stride, padding: o.padding, axis: .height)
        let (wo, padLeft) = Conv2D.outputSize(
            input: w, kernel: o.window, stride: o.stride, padding: o.padding, axis: .width)
        guard ho > 0, wo > 0 else {
            throw TensorError.shapeMismatch(op: op, "window \(o.window) larger than input \(h)×\(w)")
        }
        return Geometry(n: n, h: h, w: w, c: c, ho: ho, wo: wo, padTop: padTop, padLeft: padLeft)
    }
}
