// SCAFFOLD: replaced by the real implementation.
extension VulkanBackend {
    public func crelu(_ x: Tensor) throws -> Tensor {
        throw TensorError.unsupported(op: "crelu", "not implemented yet")
    }
}
