#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d: y = act(conv(x, w) + bias + residual) as an implicit GEMM (see gemm_tile.glsl):
// rows m = output pixels (n, oy, ox) of the chunk, columns = Cout, K = (ky, kx, ci) so that the HWIO weight
// [kh,kw,Cin,Cout] is the K×Cout matrix B row-major. A rows are input patches gathered on the fly, zero outside
// the image. Workgroup (x, y) computes columns x·BN… and rows y·BM….
// Defines chosen by the host for aligned shapes (floats otherwise):
//   A_VEC4 (Cin % 4 == 0): patches are read as vec4s: within one (ky, kx) tap, 4 consecutive k are 4
//     consecutive channels of one input pixel.
//   B_VEC4, C_VEC4 (Cout % 4 == 0): weights, and bias, residual and y, are read and written as vec4s along Cout.
//
// Bindings (set 0), elements sfloat (common.glsl):
//   0: x         [N·H·W·Cin]     read   (NHWC, the chunk's samples)
//   1: w         [kh·kw·Cin·Cout] read  (HWIO)
//   2: bias      [Cout]          read   (any buffer when HAS_BIAS is false)
//   3: residual  [N·Ho·Wo·Cout]  read   (any buffer when HAS_RESIDUAL is false)
//   4: y         [N·Ho·Wo·Cout]  write  (NHWC)
// Push constants: uint N, H, W, Cin, Ho, Wo, Cout.
// Specialization: 0–5 tiling (gemm_tile.glsl), 6 KH, 7 KW, 8 STRIDE, 9 PAD_TOP, 10 PAD_LEFT,
//   11 HAS_BIAS, 12 HAS_RESIDUAL, 13 RELU, 14 UPSAMPLE (nearest factor applied to x before convolving;
//   H and W are x's stored size, the patches index the upsampled image), 15 DILATION (tap (ky, kx) reads the
//   patch's pixel (ky·DILATION, kx·DILATION)).
#include "common.glsl"
#include "gemm_tile.glsl"

layout(constant_id = 6) const int KH = 3;
layout(constant_id = 7) const int KW = 3;
layout(constant_id = 8) const int STRIDE = 1;
layout(constant_id = 9) const int PAD_TOP = 1;
layout(constant_id = 10) const int PAD_LEFT = 1;
layout(constant_id = 11) const bool HAS_BIAS = false;
layout(constant_id = 12) const bool HAS_RESIDUAL = false;
layout(constant_id = 13) const bool RELU = false;
layout(constant_id = 14) const int UPSAMPLE = 1;
layout(constant_id = 15) const int DILATION = 1;

#ifdef A_VEC4
layout(std430, set = 0, binding = 0) readonly buffer X { svec4 x[]; };
#else
layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
#endif
#ifdef B_VEC4
const uint VB = 4;
layout(std430, set = 0, binding = 1) readonly buffer Wt { svec4 w[]; };
#else
const uint VB = 1;
layout(std430, set = 0, binding = 1) readonly buffer Wt { sfloat w[]; };
#endif
#ifdef C_VEC4
layout(std430, set = 0, binding = 2) readonly buffer Bias { svec4 bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { svec4 residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Y { svec4 y[]; };
#else
layout(std430, set = 0, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { sfloat residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Y { sfloat y[]; };
#endif
layout(push_constant) uniform Push { uint N, H, W, Cin, Ho, Wo, Cout; } p;

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint M = p.N * p.Ho * p.Wo, K = uint(KH * KW) * p.Cin;
    const uint rowBase = gl_WorkGroupID.y * BM, colBase = gl_WorkGroupID.x * BN;

    // The A rows this invocation stages are fixed: decode their pixels once.
    const uint aK = (tid % A_SPAN) * VA;
    int rowOffset[A_PASSES]; // start of the sample in x, or −1 past the last pixel
    int rowY[A_PASSES], rowX[A_PASSES]; // top-left input pixel of the patch
    for (uint i = 0; i < A_PASSES; ++i) {
        uint m = rowBase + tid / A_SPAN + i * A_ROWS_PER_PASS;
        uint ox = m % p.Wo, t = m / p.Wo, oy = t % p.Ho, n = t / p.Ho;
        rowOffset[i] = m < M ? int(n * p.H * p.W * p.Cin) : -1;
        rowY[i] = int(oy) * STRIDE - PAD_TOP;
        rowX[i] = int(ox) * STRIDE - PAD_LEFT;
    }

    clearAccumulators();
    for (uint k0 = 0; k0 < K; k0 += BK) {
        uint k = k0 + aK;
        uint ci = k % p.Cin, t = k / p.Cin;
        int kx = int(t % uint(KW)), ky = int(t / uint(KW));
        for (uint i = 0; i < A_PASSES; ++i) {
            uint mt = tid / A_SPAN + i * A_ROWS_PER_PASS;
            if (mt >= BM) break;
            int iy = rowY[i] + ky * DILATION, ix = rowX[i] + kx * DILATION;
            bool inside = k < K && rowOffset[i] >= 0 && iy >= 0 && iy < int(p.H) * UPSAMPLE && ix >= 0 && ix < int(p.W) * UPSAMPLE;
            uint e = inside ? uint(rowOffset[i]) + (uint(iy / UPSAMPLE) * p.W + uint(ix / UPSAMPLE)) * p.Cin + ci : 0;
#ifdef A_VEC4
            vec4 v = inside ? vec4(x[e / 4]) : vec4(0.0);
            for (uint j = 0; j < 4; ++j) stageA(aK + j, mt, v[j]);
#else
            stageA(aK, mt, inside ? float(x[e]) : 0.0);
#endif
        }
        for (uint e = tid; e < BK * BN / VB; e += WG) {
            uint kt = e / (BN / VB), nt = (e % (BN / VB)) * VB, kk = k0 + kt, n = colBase + nt;
            bool valid = kk < K && n < p.Cout;
#ifdef B_VEC4
            stageB4(kt, nt, valid ? vec4(w[(kk * p.Cout + n) / 4]) : vec4(0.0));
#else
            stageB(kt, nt, valid ? float(w[kk * p.Cout + n]) : 0.0);
#endif
        }
        barrier();
        multiplyTiles();
        barrier();
    }

    for (uint i = 0; i < TM; ++i) {
        uint m = rowBase + microRow(i);
        if (m >= M) continue;
        for (uint g = 0; g < TN / 4; ++g) {
            uint n = colBase + microCol(4 * g), o = m * p.Cout + n;
            if (n >= p.Cout) continue;
            vec4 v = acc[i * (TN / 4) + g];
#ifdef C_VEC4
            if (HAS_BIAS) v += vec4(bias[n / 4]);
            if (HAS_RESIDUAL) v += vec4(residual[o / 4]);
            if (RELU) v = max(v, vec4(0.0));
            y[o / 4] = svec4(v);
#else
            for (uint j = 0; j < 4 && n + j < p.Cout; ++j) {
                float s = v[j];
                if (HAS_BIAS) s += float(bias[n + j]);
                if (HAS_RESIDUAL) s += float(residual[o + j]);
                if (RELU) s = max(s, 0.0);
                y[o + j] = sfloat(s);
            }
#endif
        }
    }
}
