import Tensors
import Testing

@Suite("spectral norm")
struct SpectralNormTests {
    /// W = diag(3, 1) as [fanIn 2, Cout 2]: from u = e₁ one step finds σ = 3 (ε = 0).
    @Test func diagonalMatrix() throws {
        let w = try HostTensor(shape: [2, 2], data: [3, 0, 0, 1])
        #expect(try SpectralNorm.sigma(weight: w, u: [1, 0], epsilon: 0) == 3)
        let normalized = try SpectralNorm.normalized(weight: w, u: [1, 0], epsilon: 0)
        #expect(normalized.data == [1, 0, 0, 1.0 / 3])
    }

    /// Starting from the true top left-singular vector, one step gives the exact top singular value,
    /// checked against 200 power iterations in Double; a 4-D conv kernel flattens to [kh·kw·Cin, Cout].
    @Test func convKernelMatchesPowerIteration() throws {
        var rng = SeededRandom(seed: 5)
        let w = rng.normalTensor([3, 3, 4, 6])
        let (rows, cols) = (36, 6)
        var u = [Double](repeating: 1, count: cols)
        var sigma = 0.0
        for _ in 0 ..< 200 {
            var v = (0 ..< rows).map { i in (0 ..< cols).reduce(0.0) { $0 + Double(w.data[i * cols + $1]) * u[$1] } }
            let vn = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / vn }
            u = (0 ..< cols).map { j in (0 ..< rows).reduce(0.0) { $0 + Double(w.data[$1 * cols + j]) * v[$1] } }
            sigma = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / sigma }
        }
        let s = try SpectralNorm.sigma(weight: w, u: u.map(Float.init), epsilon: 0)
        #expect(abs(Double(s) - sigma) / sigma < 1e-5, "σ \(s) vs \(sigma)")
        // ε as in BigGAN (1e-4): each of the two normalisations lowers σ by about ε, so σ − σ_ε ≈ 2ε.
        let withEpsilon = try SpectralNorm.sigma(weight: w, u: u.map(Float.init), epsilon: 1e-4)
        #expect(sigma - Double(withEpsilon) > 1e-4 && sigma - Double(withEpsilon) < 3e-4)
    }

    @Test func rejectsBadInputs() throws {
        let w = try HostTensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(throws: TensorError.self) { try SpectralNorm.sigma(weight: w, u: [1, 0], epsilon: 1e-4) }
        #expect(throws: TensorError.self) {
            try SpectralNorm.sigma(weight: HostTensor(zeros: [2, 3]), u: [1, 0, 0], epsilon: 1e-4)
        }
    }
}
