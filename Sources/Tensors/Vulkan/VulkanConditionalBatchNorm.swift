// SCAFFOLD: replaced by the real implementation.
extension VulkanBackend {
    public func conditionalBatchNorm(_ x: Tensor, condition: Tensor, parameters: ConditionalBatchNormParameters, activation: Activation) throws -> Tensor {
        throw TensorError.unsupported(op: "conditionalBatchNorm", "not implemented yet")
    }
}
