import Tensors

/// Hidden linear layers, each `h = relu(W·h + b)`, or `h + relu(W·h + b)` when `residual` is set and the layer's input
/// and output widths match: the encoder head's MLP and the discriminator's H and J. Layer `i` (from 0) is bound under
/// `name(i)`.
struct ResidualMLP {
    let layers: [LinearLayer]
    /// Per layer: whether it adds its input.
    let isResidual: [Bool]
    /// Width of the output: the last hidden width, or the input width when there are no hidden layers.
    let outputs: Int

    init(_ w: WeightBinder, inputs: Int, widths: [Int], residual: Bool = true, name: (Int) -> String) throws {
        // Synthetic gains: He (√2) on a plain layer; ½ on a residual one, which adds an eighth of E[h²], so four of them
        // grow h by 1.125⁴ ≈ 1.6 rather than 1.5⁴.
        var layers: [LinearLayer] = []
        var isResidual: [Bool] = []
        var width = inputs
        for (i, out) in widths.enumerated() {
            let adds = residual && out == width
            layers.append(
                try LinearLayer(
                    w.scoped(name(i)), inputs: width, outputs: out, gain: adds ? 0.5 : Float(2).squareRoot(),
                    activation: .relu))
            isResidual.append(adds)
            width = out
        }
        self.layers = layers
        self.isResidual = isResidual
        outputs = width
    }

    /// Runs the layers on x [N, inputs]; `afterLayer`, when given, sees each layer's index and output in order.
    func callAsFunction(
        _ x: Tensor, on b: any Backend, afterLayer: ((_ index: Int, _ output: Tensor) throws -> Void)? = nil
    ) throws -> Tensor {
        var h = x
        for (i, (layer, adds)) in zip(layers, isResidual).enumerated() {
            h = adds ? try b.add(h, layer(h, on: b)) : try layer(h, on: b)
            try afterLayer?(i, h)
        }
        return h
    }
}
