import Tensors
import VulkanCompute

extension VulkanBackend {
    public func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor {
        let op = "resize"
        let outShape = try Resize.outputShape(x.shape, options)
        let (_, h, w, c) = try x.shape.nhwc(op)
        try own(x, op)
        let y = try makeTensor(outShape)
        var parameters = PushConstants()
        for word in [h, w, options.height, options.width, c] { parameters.append(word) }
        parameters.append(options.cubicCoefficient)
        try elementwise(
            "resize", inputs: [x], output: y,
            specialization: [.int(options.method.rawValue), .int(options.coordinates.rawValue)],
            parameters: parameters, label: op)
        return y
    }
}
