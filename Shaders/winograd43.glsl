// Winograd F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015; points
// 0, ±1, ±2, ∞): a 4×4 output tile of a stride-1 3×3 correlation is Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for the
// 6×6 input tile d and filter g, 36 multiplies per (input, output) channel pair instead of 144.
// Each transform is applied to columns, then to rows.

// The input and output transforms are linear, so each is defined for T = float and, to transform four channels
// at once, for T = vec4.
#define WINOGRAD_INPUT(T) \
    T[6] winogradInput(T d[6]) { \
        return T[6](4.0 * d[0] - 5.0 * d[2] + d[4], \
                    -4.0 * (d[1] + d[2]) + d[3] + d[4], \
                    4.0 * (d[1] - d[2]) - d[3] + d[4], \
                    2.0 * (d[3] - d[1]) - d[2] + d[4], \
                    2.0 * (d[1] - d[3]) - d[2] + d[4], \
                    4.0 * d[1] - 5.0 * d[3] + d[5]); \
    }
#define WINOGRAD_OUTPUT(T) \
    T[4] winogradOutput(T m[6]) { \
        return T[4](m[0] + m[1] + m[2] + m[3] + m[4], \
                    m[1] - m[2] + 2.0 * (m[3] - m[4]), \
                    m[1] + m[2] + 4.0 * (m[3] + m[4]), \
                    m[1] - m[2] + 8.0 * (m[3] - m[4]) + m[5]); \
    }

// Bᵀ·d for a 6-vector.
WINOGRAD_INPUT(float)
WINOGRAD_INPUT(vec4)

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
WINOGRAD_OUTPUT(float)
WINOGRAD_OUTPUT(vec4)
