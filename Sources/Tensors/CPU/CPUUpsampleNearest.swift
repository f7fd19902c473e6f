// SCAFFOLD: replaced by the real implementation.
extension CPUBackend {
    public func upsampleNearest2x(_ x: Tensor) throws -> Tensor {
        throw TensorError.unsupported(op: "upsampleNearest2x", "not implemented yet")
    }
}
