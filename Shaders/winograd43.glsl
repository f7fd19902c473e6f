// Winograd F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015; points
// 0, ±1, ±2, ∞): a 4×4 output tile of a stride-1 3×3 correlation is Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for the
// 6×6 input tile d and filter g, 36 multiplies per (input, output) channel pair instead of 144.
// Each transform is applied to columns, then to rows.

// Bᵀ·d for a 6-vector.
float[6] winogradInput(float d[6]) {
    return float[6](4.0 * d[0] - 5.0 * d[2] + d[4],
                    -4.0 * (d[1] + d[2]) + d[3] + d[4],
                    4.0 * (d[1] - d[2]) - d[3] + d[4],
                    2.0 * (d[3] - d[1]) - d[2] + d[4],
                    2.0 * (d[1] - d[3]) - d[2] + d[4],
                    4.0 * d[1] - 5.0 * d[3] + d[5]);
}

// G·g for a 3-vector.
float[6] winogradFilter(float g[3]) {
    return float[6](0.25 * g[0],
                    -(g[0] + g[1] + g[2]) / 6.0,
                    -(g[0] - g[1] + g[2]) / 6.0,
                    g[0] / 24.0 + g[1] / 12.0 + g[2] / 6.0,
                    g[0] / 24.0 - g[1] / 12.0 + g[2] / 6.0,
                    g[2]);
}

// Aᵀ·m for a 6-vector.
float[4] winogradOutput(float m[6]) {
    return float[4](m[0] + m[1] + m[2] + m[3] + m[4],
                    m[1] - m[2] + 2.0 * (m[3] - m[4]),
                    m[1] + m[2] + 4.0 * (m[3] + m[4]),
                    m[1] - m[2] + 8.0 * (m[3] - m[4]) + m[5]);
}
