import Tensors
import VulkanCompute

extension VulkanBackend {
    public func crelu(_ x: Tensor) throws -> Tensor {
        let shape = try CReLU.outputShape(x.shape)
        try own(x, "crelu")
        let y = try makeTensor(shape)
        try channelElementwise("crelu", inputs: [x], output: y, sizes: [x.shape.channels])
        return y
    }
}
