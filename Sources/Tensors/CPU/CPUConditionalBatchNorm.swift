// SCAFFOLD: replaced by the real implementation.
extension CPUBackend {
    public func conditionalBatchNorm(_ x: Tensor, condition: Tensor, parameters: ConditionalBatchNormParameters, activation: Activation) throws -> Tensor {
        throw TensorError.unsupported(op: "conditionalBatchNorm", "not implemented yet")
    }
}
