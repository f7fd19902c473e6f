// SCAFFOLD: replaced by the real implementation.
extension VulkanBackend {
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws -> Tensor {
        throw TensorError.unsupported(op: "conv2d", "not implemented yet")
    }
}
