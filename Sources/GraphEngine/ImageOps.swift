import TensorFlowGraph
import Tensors

/// TensorFlow's image resizes, honouring `align_corners` and `half_pixel_centers`.
enum ImageOps {
    static let all: [String: GraphOp] = [
        "ResizeNearestNeighbor": resize(.nearest),
        "ResizeBilinear": resize(.bilinear),
        "ResizeBicubic": resize(.bicubic),
    ]

    private static func resize(_ method: ResizeMethod) -> GraphOp {
        GraphOp(
            hostInputs: [1],
            check: { node in
                if case .bool(true) = node.attrs["align_corners"], case .bool(true) = node.attrs["half_pixel_centers"] {
                    return "align_corners and half_pixel_centers both true"
                }
                return nil
            },
            device: { c in
                let size = try c.integers(1, "size")
                guard size.count == 2, size.allSatisfy({ $0 > 0 }) else { throw c.failure("size \(size)") }
                // An exact nearest 2× (without align_corners, both TF rules pick source ⌊d/2⌋) has its own kernel.
                let shape = c.inputs[0].shape
                if method == .nearest, !c.bool("align_corners"), shape.count == 4, size == [2 * shape[1], 2 * shape[2]]
                {
                    return [.device(try c.backend.upsampleNearest2x(c.tensor(0)), .float)]
                }
                let options = try ResizeOptions.tensorFlow(
                    method, height: size[0], width: size[1], alignCorners: c.bool("align_corners"),
                    halfPixelCenters: c.bool("half_pixel_centers"))
                // ResizeNearestNeighbor copies elements and keeps the input's type; the interpolating resizes
                // compute and return float32 whatever their input type.
                let dtype = method == .nearest ? c.inputs[0].dtype : .float
                return [.device(try c.backend.resize(c.tensor(0), options: options), dtype)]
            })
    }
}
