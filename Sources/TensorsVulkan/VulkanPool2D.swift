import Tensors
import VulkanCompute

extension VulkanBackend {
    public func pool2d(_ x: Tensor, options: Pool2DOptions) throws -> Tensor {
        let op = "pool2d"
        let g = try Pool2D.geometry(x.shape, options)
        try own(x, op)
        let outShape = g.outputShape
        let y = try makeTensor(outShape)
        var parameters = PushConstants()
        for word in [g.h, g.w, g.c, g.ho, g.wo, g.padTop, g.padLeft] { parameters.append(word) }
        try elementwise(
            "pool2d", inputs: [x], output: y,
            specialization: [.int(options.kind.rawValue), .int(Int32(options.window)), .int(Int32(options.stride))],
            parameters: parameters, label: op)
        return y
    }
}
