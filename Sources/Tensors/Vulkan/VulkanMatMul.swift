// SCAFFOLD: replaced by the real implementation.
extension VulkanBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor {
        throw TensorError.unsupported(op: "matmul", "not implemented yet")
    }
}
