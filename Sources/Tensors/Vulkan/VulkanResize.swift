// SCAFFOLD: replaced by the real implementation.
extension VulkanBackend {
    public func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor {
        throw TensorError.unsupported(op: "resize", "not implemented yet")
    }
}
