import Tensors
import VulkanCompute

extension VulkanBackend {
    public func upsampleNearest2x(_ x: Tensor) throws -> Tensor {
        let op = "upsampleNearest2x"
        let outShape = try UpsampleNearest.outputShape(x.shape)
        let (_, h, w, c) = try x.shape.nhwc(op)
        try own(x, op)
        let y = try makeTensor(outShape)
        var parameters = PushConstants()
        for word in [h, w, c] { parameters.append(word) }
        try elementwise("upsample_nearest", inputs: [x], output: y, parameters: parameters, label: op)
        return y
    }
}
