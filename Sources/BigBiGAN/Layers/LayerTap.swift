import Tensors

/// Called with each named layer's output during a forward pass, in order. Used by `bigbigan parity` to
/// find the first layer where two backends diverge.
public typealias LayerTap = (_ layer: String, _ output: Tensor) throws -> Void
