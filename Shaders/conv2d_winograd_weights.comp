#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_winograd_weights: the filter transform of Winograd F(4×4, 3×3), U = G g Gᵀ for every
// (input channel, output channel) pair, laid out as 36 matrices [Cin, Cout] for the batched product. A
// dispatch writes the rows ξ in [firstRow, firstRow + rows), so that large filters fit the binding range.
//
// Bindings (set 0):
//   0: w  sfloat[3, 3, Cin, Cout]     read (HWIO)
//   1: u  sfloat[shift + 6 · rows · Cin · Cout] write (matrix 6(ξ − firstRow) + ν, after `shift` elements,
//         holds (G g Gᵀ)[ξ][ν]; the shift lets the binding start at an aligned offset)
// Push constants: uint count (= Cin · Cout), firstRow, rows, shift.
// Workgroups: 1-D grid-stride over the channel pairs. Specialization: 0 = local size x.
#include "common.glsl"
#include "winograd43.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Wt { sfloat w[]; };
layout(std430, set = 0, binding = 1) writeonly buffer U { sfloat u[]; };
layout(push_constant) uniform Push { uint count, firstRow, rows, shift; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        float columns[6][3]; // G·g applied to each column of g
        for (int kx = 0; kx < 3; ++kx) {
            float g[3] = float[3](float(w[(0 * 3 + kx) * p.count + i]), float(w[(1 * 3 + kx) * p.count + i]),
                                  float(w[(2 * 3 + kx) * p.count + i]));
            float t[6] = winogradFilter(g);
            for (int r = 0; r < 6; ++r) columns[r][kx] = t[r];
        }
        for (uint r = 0; r < p.rows; ++r) {
            float t[6] = winogradFilter(columns[p.firstRow + r]);
            for (uint c = 0; c < 6; ++c) u[p.shift + (r * 6 + c) * p.count + i] = sfloat(t[c]);
        }
    }
}
