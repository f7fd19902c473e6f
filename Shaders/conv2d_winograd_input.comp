#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_winograd_input: the input transform of Winograd F(4×4, 3×3), V = Bᵀ d B for every 6×6 input tile
// (stride 4, overlapping by 2) and input channel; taps in the padding read zero. Tiles are numbered
// t = (n · tilesH + ty) · tilesW + tx over the samples of this dispatch.
//
// Bindings (set 0):
//   0: x  sfloat[N, H, W, Cin]    read
//   1: v  sfloat[36, T, Cin]      write (T = N · tilesH · tilesW)
// Push constants: uint H, W (x's stored size), Cin, tilesH, tilesW, T.
// Workgroups: 1-D grid-stride over T · Cin.
// Specialization: 0 = local size x, 1 = PAD_TOP, 2 = PAD_LEFT, 3 = UPSAMPLE (nearest factor applied to x
// before convolving). VEC4 (defined when Cin % 4 == 0): see below.
#include "common.glsl"
#include "winograd43.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int PAD_TOP = 1;
layout(constant_id = 2) const int PAD_LEFT = 1;
layout(constant_id = 3) const int UPSAMPLE = 1;

#ifdef VEC4
// Cin % 4 == 0: four channels per invocation as vec4s (Cin in push constants is then in vec4 units).
layout(std430, set = 0, binding = 0) readonly buffer X { svec4 x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer V { svec4 v[]; };
#define VALUE vec4
#define STORED svec4
#else
layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer V { sfloat v[]; };
#define VALUE float
#define STORED sfloat
#endif
layout(push_constant) uniform Push { uint H, W, Cin, tilesH, tilesW, T; } p;

void main() {
    FOR_EACH_INDEX(i, p.T * p.Cin) {
        uint ci = i % p.Cin, t = i / p.Cin;
        uint tx = t % p.tilesW, ty = (t / p.tilesW) % p.tilesH, n = t / (p.tilesW * p.tilesH);
        int y0 = int(ty) * 4 - PAD_TOP, x0 = int(tx) * 4 - PAD_LEFT;
        int h = int(p.H) * UPSAMPLE, wd = int(p.W) * UPSAMPLE;
        VALUE rows[6][6]; // Bᵀ applied to each column of the tile
        for (int c = 0; c < 6; ++c) {
            int ix = x0 + c;
            VALUE d[6];
            for (int r = 0; r < 6; ++r) {
                int iy = y0 + r;
                d[r] = iy >= 0 && iy < h && ix >= 0 && ix < wd
                    ? VALUE(x[((n * p.H + uint(iy / UPSAMPLE)) * p.W + uint(ix / UPSAMPLE)) * p.Cin + ci]) : VALUE(0.0);
            }
            VALUE col[6] = winogradInput(d);
            for (int r = 0; r < 6; ++r) rows[r][c] = col[r];
        }
        for (int r = 0; r < 6; ++r) {
            VALUE out6[6] = winogradInput(rows[r]);
            for (int c = 0; c < 6; ++c) v[uint(r * 6 + c) * p.T * p.Cin + i] = STORED(out6[c]);
        }
    }
}
