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
        // The scales in fp32 as the reference and TensorFlow round them (a shader division need not be exact).
        parameters.append(Resize.scale(input: h, output: options.height, options.coordinates))
        parameters.append(Resize.scale(input: w, output: options.width, options.coordinates))
        try elementwise(
            "resize", inputs: [x], output: y,
            specialization: [
                .int(options.method.rawValue), .int(options.coordinates.rawValue), .int(options.cubicBorder.rawValue),
                .int(options.cubicWeights.rawValue),
            ],
            parameters: parameters, label: op)
        return y
    }
}
