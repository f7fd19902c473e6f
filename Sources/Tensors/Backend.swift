/// The interface models are written against. Two implementations: `CPUBackend`, the reference, and
/// `VulkanBackend`, which records every op into one command buffer and runs it when results are read.
///
/// Host data is float32 and all arithmetic is fp32; the Vulkan backend may store tensors as fp16 (`Precision`).
/// Image tensors are NHWC. Every op validates its arguments and throws
/// `TensorError` instead of trapping. Tensors must come from the backend they are passed to.
public protocol Backend: AnyObject {
    /// A short name for messages: "cpu" or the Vulkan device name.
    var name: String { get }

    /// Copies host data into a new tensor.
    func upload(_ host: HostTensor) throws -> Tensor
    /// Runs pending work and copies a tensor back to the host.
    func download(_ tensor: Tensor) throws -> HostTensor
    /// Runs pending work and copies several tensors back, waiting once.
    func download(_ tensors: [Tensor]) throws -> [HostTensor]
    /// Runs all pending work and waits for it.
    func synchronize() throws

    /// 2-D convolution, weight [kh, kw, Cin, Cout] (TF's HWIO), with optional bias [Cout], residual
    /// (output-shaped, added before the activation) and fused activation. See `Conv2D`.
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws -> Tensor
    /// Batched matrix product `a · b` (or `a · bᵀ`) with optional bias [N] and activation. See `MatMul`.
    func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor
    /// Batch norm with stored statistics over the last axis; scale/offset optional. See `BatchNorm`.
    func batchNorm(_ x: Tensor, parameters: BatchNormParameters, activation: Activation) throws -> Tensor
    /// Batch norm whose gain and bias are computed per sample from a condition vector. See `ConditionalBatchNorm`.
    func conditionalBatchNorm(
        _ x: Tensor, condition: Tensor, parameters: ConditionalBatchNormParameters, activation: Activation
    ) throws -> Tensor
    /// An elementwise function (activations, powers, exp, log, …). See `UnaryOp`.
    func unary(_ x: Tensor, _ op: UnaryOp) throws -> Tensor
    /// An elementwise arithmetic op, maximum or minimum of `a` and `b` broadcast to one shape (NumPy and TensorFlow
    /// rules); equal element counts take the plain elementwise path. See `Binary` and `BinaryOp`.
    func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor
    /// `condition != 0 ? a : b` elementwise, the three broadcast to one shape (TensorFlow's SelectV2). See `Select`.
    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor
    /// Sum, mean, maximum or minimum over `axes` (distinct, in 0..<rank), which leave the shape. See `Reduce`.
    func reduce(_ x: Tensor, axes: [Int], _ op: ReduceOp) throws -> Tensor
    /// Concatenates relu(x) and relu(−x) along the last axis. See `CReLU`.
    func crelu(_ x: Tensor) throws -> Tensor
    /// Nearest-neighbour 2× upsampling of an NHWC tensor. See `UpsampleNearest`.
    func upsampleNearest2x(_ x: Tensor) throws -> Tensor
    /// Bilinear or bicubic resize of an NHWC tensor to any size. See `Resize`.
    func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor
    /// Max or average pooling of an NHWC tensor. See `Pool2D`.
    func pool2d(_ x: Tensor, options: Pool2DOptions) throws -> Tensor
    /// Mean over H and W of an NHWC tensor → [N, C]. See `GlobalAveragePool`.
    func globalAveragePool(_ x: Tensor) throws -> Tensor
    /// Concatenates along the last axis. See `ChannelOps`.
    func concatChannels(_ a: Tensor, _ b: Tensor) throws -> Tensor
    /// Adds `before` and `after` zero channels on the last axis. See `ChannelOps`.
    func padChannels(_ x: Tensor, before: Int, after: Int) throws -> Tensor
    /// Takes `count` channels starting at `start` on the last axis. See `ChannelOps`.
    func sliceChannels(_ x: Tensor, start: Int, count: Int) throws -> Tensor
    /// An index-mapped copy: transpose, strided slice, tile, constant padding or a mix. See `Rearrangement`.
    func rearrange(_ x: Tensor, _ r: Rearrangement) throws -> Tensor
    /// Concatenates along `axis` (TensorFlow's ConcatV2 with a non-negative axis). See `Concat`.
    func concat(_ xs: [Tensor], axis: Int) throws -> Tensor
    /// Softmax over the last axis. See `Softmax`.
    func softmax(_ x: Tensor) throws -> Tensor
    /// Unscaled dot-product attention `softmax(q kᵀ) v` per batch item, the softmax over the keys: query
    /// [N, Lq, D], key [N, Lk, D], value [N, Lk, Dv] → [N, Lq, Dv], without materialising the scores. See `Attention`.
    func attention(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor
}

/// A fused activation applied by an op's epilogue.
public enum Activation: Sendable, Equatable {
    case none, relu
}

extension Backend {
    /// Residual addition `a + b`.
    public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(a, b, .add(scale: 1)) }

    public func download(_ tensors: [Tensor]) throws -> [HostTensor] { try tensors.map { try download($0) } }

    /// Downloads and returns the elements of `tensor`.
    public func values(_ tensor: Tensor) throws -> [Float] { try download(tensor).data }

    /// Checks that `tensor` belongs to this backend.
    package func own(_ tensor: Tensor, _ op: String) throws {
        guard tensor.owner == ObjectIdentifier(self) else {
            throw TensorError.wrongBackend(op: op, expected: name, got: "another")
        }
    }
}
