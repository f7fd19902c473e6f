import Tensors

/// Measures the batch-norm statistics of a model under some weights with one forward pass on the CPU reference:
/// every batch norm that runs as an op normalises by the mean square of its actual input, so the layers after it
/// see what calibrated statistics would give them, and that mean square is recorded under the name of the norm's
/// stored variance.
///
/// The mean square is taken over the batch, the positions and the channels that are not zero throughout (RevNet's
/// zero-padded channels carry no signal). Batch norms folded into a convolution at load never run as ops and keep
/// the variance the weights give them.
final class BatchNormCalibration: Backend {
    private let base = CPUBackend()
    /// Names of the stored variances the model uploaded, by tensor.
    private var varianceNames: [ObjectIdentifier: String] = [:]
    /// The measured mean square of each batch norm's input, by the name of its stored variance.
    private(set) var meanSquares: [String: Float] = [:]

    var name: String { "cpu (batch-norm calibration)" }

    /// The source to build the calibrated model from: `weights`, telling this calibration which tensors are variances.
    func observing(_ weights: any WeightSource) -> any WeightSource {
        VarianceNaming(weights: weights, calibration: self)
    }

    func batchNorm(_ x: Tensor, parameters: BatchNormParameters, activation: Activation) throws -> Tensor {
        guard let name = varianceNames[ObjectIdentifier(parameters.variance)] else {
            throw TensorError.invalidData(
                "batch-norm calibration: a variance that was not loaded through `observing(_:)`")
        }
        let channels = x.shape.channels
        var sums = [Double](repeating: 0, count: channels)
        for (i, value) in try base.values(x).enumerated() { sums[i % channels] += Double(value) * Double(value) }
        let live = sums.filter { $0 > 0 }
        let meanSquare = live.isEmpty ? 1 : Float(live.reduce(0, +) / Double(live.count * (x.shape.count / channels)))
        meanSquares[name] = meanSquare
        var calibrated = parameters
        calibrated.variance = try base.upload(
            HostTensor(shape: [channels], data: [Float](repeating: meanSquare, count: channels)))
        return try base.batchNorm(x, parameters: calibrated, activation: activation)
    }

    fileprivate func uploaded(_ name: String, role: WeightRole, as tensor: Tensor) {
        if role == .normVariance { varianceNames[ObjectIdentifier(tensor)] = name }
    }

    // Every other op is the CPU reference's.

    func upload(_ host: HostTensor) throws -> Tensor { try base.upload(host) }
    func download(_ tensor: Tensor) throws -> HostTensor { try base.download(tensor) }
    func synchronize() throws { try base.synchronize() }
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, options: Conv2DOptions) throws -> Tensor
    {
        try base.conv2d(x, weight: weight, bias: bias, residual: residual, options: options)
    }
    func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor?, options: MatMulOptions) throws -> Tensor {
        try base.matmul(a, b, bias: bias, options: options)
    }
    func conditionalBatchNorm(
        _ x: Tensor, condition: Tensor, parameters: ConditionalBatchNormParameters, activation: Activation
    ) throws -> Tensor {
        try base.conditionalBatchNorm(x, condition: condition, parameters: parameters, activation: activation)
    }
    func unary(_ x: Tensor, _ op: UnaryOp) throws -> Tensor { try base.unary(x, op) }
    func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor { try base.binary(a, b, op) }
    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor { try base.select(condition, a, b) }
    func reduce(_ x: Tensor, axes: [Int], _ op: ReduceOp) throws -> Tensor { try base.reduce(x, axes: axes, op) }
    func crelu(_ x: Tensor) throws -> Tensor { try base.crelu(x) }
    func upsampleNearest2x(_ x: Tensor) throws -> Tensor { try base.upsampleNearest2x(x) }
    func resize(_ x: Tensor, options: ResizeOptions) throws -> Tensor { try base.resize(x, options: options) }
    func pool2d(_ x: Tensor, options: Pool2DOptions) throws -> Tensor { try base.pool2d(x, options: options) }
    func globalAveragePool(_ x: Tensor) throws -> Tensor { try base.globalAveragePool(x) }
    func concatChannels(_ a: Tensor, _ b: Tensor) throws -> Tensor { try base.concatChannels(a, b) }
    func padChannels(_ x: Tensor, before: Int, after: Int) throws -> Tensor {
        try base.padChannels(x, before: before, after: after)
    }
    func sliceChannels(_ x: Tensor, start: Int, count: Int) throws -> Tensor {
        try base.sliceChannels(x, start: start, count: count)
    }
    func rearrange(_ x: Tensor, _ r: Rearrangement) throws -> Tensor { try base.rearrange(x, r) }
    func concat(_ xs: [Tensor], axis: Int) throws -> Tensor { try base.concat(xs, axis: axis) }
    func softmax(_ x: Tensor) throws -> Tensor { try base.softmax(x) }
    func attention(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor {
        try base.attention(query: query, key: key, value: value)
    }
}

/// Passes weights through and tells the calibration which uploaded tensors are stored variances.
private struct VarianceNaming: WeightSource, UploadObserver {
    let weights: any WeightSource
    let calibration: BatchNormCalibration

    var description: String { weights.description }

    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        try weights.load(name, shape: shape, role: role)
    }

    func uploaded(_ name: String, role: WeightRole, as tensor: Tensor) {
        calibration.uploaded(name, role: role, as: tensor)
    }
}
