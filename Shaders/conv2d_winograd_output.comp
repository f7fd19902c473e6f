#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_winograd_output: the output transform of Winograd F(4×4, 3×3), Y = Aᵀ m A for every tile and
// output channel, with the convolution's epilogue y = act(Y + bias + residual); pixels of edge tiles
// past Ho × Wo are dropped.
//
// Bindings (set 0):
//   0: m         sfloat[36, T, Cout]        read (the 36 batched products)
//   1: bias      sfloat[Cout]               read (ignored unless HAS_BIAS)
//   2: residual  sfloat[N, Ho, Wo, Cout]    read (ignored unless HAS_RESIDUAL)
//   3: y         sfloat[N, Ho, Wo, Cout]    write
// Push constants: uint Ho, Wo, Cout, tilesH, tilesW, T.
// Workgroups: 1-D grid-stride over T · Cout.
// Specialization: 0 = local size x, 1 = HAS_BIAS, 2 = HAS_RESIDUAL, 3 = RELU. VEC4 (defined when Cout % 4 == 0):
// see below.
#include "common.glsl"
#include "winograd43.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool HAS_BIAS = false;
layout(constant_id = 2) const bool HAS_RESIDUAL = false;
layout(constant_id = 3) const bool RELU = false;

#ifdef VEC4
// Cout % 4 == 0: four channels per invocation as vec4s (Cout in push constants is then in vec4 units).
layout(std430, set = 0, binding = 0) readonly buffer M { svec4 m[]; };
layout(std430, set = 0, binding = 1) readonly buffer Bias { svec4 bias[]; };
layout(std430, set = 0, binding = 2) readonly buffer Residual { svec4 residual[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { svec4 y[]; };
#define VALUE vec4
#define STORED svec4
#else
layout(std430, set = 0, binding = 0) readonly buffer M { sfloat m[]; };
layout(std430, set = 0, binding = 1) readonly buffer Bias { sfloat bias[]; };
layout(std430, set = 0, binding = 2) readonly buffer Residual { sfloat residual[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { sfloat y[]; };
#define VALUE float
#define STORED sfloat
#endif
layout(push_constant) uniform Push { uint Ho, Wo, Cout, tilesH, tilesW, T; } p;

void main() {
    FOR_EACH_INDEX(i, p.T * p.Cout) {
        uint co = i % p.Cout, t = i / p.Cout;
        uint tx = t % p.tilesW, ty = (t / p.tilesW) % p.tilesH, n = t / (p.tilesW * p.tilesH);
        VALUE columns[4][6]; // Aᵀ applied to each column of m
        for (int c = 0; c < 6; ++c) {
            VALUE col[6];
            for (int r = 0; r < 6; ++r) col[r] = VALUE(m[uint(r * 6 + c) * p.T * p.Cout + i]);
            VALUE out4[4] = winogradOutput(col);
            for (int r = 0; r < 4; ++r) columns[r][c] = out4[r];
        }
        VALUE b = HAS_BIAS ? VALUE(bias[co]) : VALUE(0.0);
        for (int r = 0; r < 4; ++r) {
            uint oy = ty * 4 + uint(r);
            if (oy >= p.Ho) break;
            VALUE row[4] = winogradOutput(columns[r]);
            for (int c = 0; c < 4; ++c) {
                uint ox = tx * 4 + uint(c);
                if (ox >= p.Wo) break;
                uint o = ((n * p.Ho + oy) * p.Wo + ox) * p.Cout + co;
                VALUE value = row[c] + b;
                if (HAS_RESIDUAL) value += VALUE(residual[o]);
                if (RELU) value = max(value, VALUE(0.0));
                y[o] = STORED(value);
            }
        }
    }
}
