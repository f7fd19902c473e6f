// SCAFFOLD: replaced by the real implementation.
extension CPUBackend {
    public func concatChannels(_ a: Tensor, _ b: Tensor) throws -> Tensor { throw TensorError.unsupported(op: "concatChannels", "not implemented yet") }
    public func padChannels(_ x: Tensor, before: Int, after: Int) throws -> Tensor { throw TensorError.unsupported(op: "padChannels", "not implemented yet") }
    public func sliceChannels(_ x: Tensor, start: Int, count: Int) throws -> Tensor { throw TensorError.unsupported(op: "sliceChannels", "not implemented yet") }
}
