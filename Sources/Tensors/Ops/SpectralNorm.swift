import Foundation

/// Spectral normalisation as BigGAN applies it at inference: one power-iteration step from the stored
/// left-singular estimate `u` (one value per output channel), then `W / σ`. Computed once on the CPU at load.
///
/// With W flattened to [fanIn, Cout] (TF layout; the flattening order of the fan-in does not change σ):
/// v = normalize(W·u), u′ = normalize(Wᵀ·v), σ = vᵀ·W·u′ = ‖Wᵀ·v‖.
public enum SpectralNorm {
    /// The σ estimate from one power step. `epsilon` is added to each norm before dividing.
    public static func sigma(weight: HostTensor, u: [Float], epsilon: Float) throws -> Float {
        let cout = weight.shape.channels
        guard weight.shape.rank >= 2, cout > 0, weight.shape.count % cout == 0 else {
            throw TensorError.shapeMismatch(
                op: "spectralNorm", "weight must be [..., fanIn, Cout], got \(weight.shape)")
        }
        guard u.count == cout else {
            throw TensorError.shapeMismatch(
                op: "spectralNorm", "u has \(u.count) values, weight has \(cout) output channels")
        }
        let fanIn = weight.shape.count / cout
        let w = weight.data
        // v = normalize(W u)
        var v = [Double](repeating: 0, count: fanIn)
        for i in 0 ..< fanIn {
            var s = 0.0
            for j in 0 ..< cout { s += Double(w[i * cout + j]) * Double(u[j]) }
            v[i] = s
        }
        let vNorm = v.reduce(0) { $0 + $1 * $1 }.squareRoot() + Double(epsilon)
        for i in v.indices { v[i] /= vNorm }
        // Wᵀ v; σ = vᵀ W u′ with u′ = Wᵀv / (‖Wᵀv‖ + ε)
        var wtv = [Double](repeating: 0, count: cout)
        for i in 0 ..< fanIn where v[i] != 0 {
            for j in 0 ..< cout { wtv[j] += Double(w[i * cout + j]) * v[i] }
        }
        let norm = wtv.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let sigma = norm * norm / (norm + Double(epsilon))
        guard sigma.isFinite, sigma > 0 else {
            throw TensorError.invalidData("spectral norm σ is \(sigma) (all-zero weight or non-finite values)")
        }
        return Float(sigma)
    }

    /// `weight / σ` with σ from `sigma(weight:u:epsilon:)`.
    public static func normalized(weight: HostTensor, u: [Float], epsilon: Float = 1e-4) throws -> HostTensor {
        let s = try sigma(weight: weight, u: u, epsilon: epsilon)
        return try HostTensor(shape: weight.shape, data: weight.data.map { $0 / s })
    }
}
