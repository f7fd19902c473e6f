import Tensors
import VulkanCompute

extension VulkanBackend {
    public func globalAveragePool(_ x: Tensor) throws -> Tensor {
        let op = "globalAveragePool"
        let outShape = try GlobalAveragePool.outputShape(x.shape)
        let (_, h, w, c) = try x.shape.nhwc(op)
        try own(x, op)
        let y = try makeTensor(outShape)
        var parameters = PushConstants()
        for word in [h, w, c] { parameters.append(word) }
        try elementwise("global_avg_pool", inputs: [x], output: y, parameters: parameters, label: op)
        return y
    }
}
