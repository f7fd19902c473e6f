// SCAFFOLD: replaced by the real implementation.
extension CPUBackend {
    public func crelu(_ x: Tensor) throws -> Tensor {
        throw TensorError.unsupported(op: "crelu", "not implemented yet")
    }
}
