#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d: y = act(conv(x, w) + bias + residual) as an implicit GEMM (see gemm_tile.glsl):
// rows m = output pixels (n, oy, ox) of the chunk, columns = Cout, K = (ky, kx, ci) so that the HWIO weight
// [kh,kw,Cin,Cout] is the K×Cout matrix B row-major. A rows are input patches gathered on the fly, zero outside
// the image. Workgroup (x, y) computes columns x·BN… and rows y·BM….
//
// Bindings (set 0):
//   0: x         float[N·H·W·Cin]     read   (NHWC, the chunk's samples)
//   1: w         float[kh·kw·Cin·Cout] read  (HWIO)
//   2: bias      float[Cout]          read   (any buffer when HAS_BIAS is false)
//   3: residual  float[N·Ho·Wo·Cout]  read   (any buffer when HAS_RESIDUAL is false)
//   4: y         float[N·Ho·Wo·Cout]  write  (NHWC)
// Push constants: uint N, H, W, Cin, Ho, Wo, Cout.
// Specialization: 0–5 tiling (gemm_tile.glsl), 6 KH, 7 KW, 8 STRIDE, 9 PAD_TOP, 10 PAD_LEFT,
//   11 HAS_BIAS, 12 HAS_RESIDUAL, 13 RELU, 14 UPSAMPLE (nearest factor applied to x before convolving;
//   H and W are x's stored size, the patches index the upsampled image).
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

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { float residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint N, H, W, Cin, Ho, Wo, Cout; } p;

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint M = p.N * p.Ho * p.Wo, K = uint(KH * KW) * p.Cin;
    const uint rowBase = gl_WorkGroupID.y * BM, colBase = gl_WorkGroupID.x * BN;

    // The A rows this invocation stages are fixed: decode their pixels once.
    const uint aK = tid % BK;
    int rowOffset[A_LOADS]; // start of the sample in x, or −1 past the last pixel
    int rowY[A_LOADS], rowX[A_LOADS]; // top-left input pixel of the patch
    for (uint i = 0; i < A_LOADS; ++i) {
        uint m = rowBase + tid / BK + i * (WG / BK);
        uint ox = m % p.Wo, t = m / p.Wo, oy = t % p.Ho, n = t / p.Ho;
        rowOffset[i] = m < M ? int(n * p.H * p.W * p.Cin) : -1;
        rowY[i] = int(oy) * STRIDE - PAD_TOP;
        rowX[i] = int(ox) * STRIDE - PAD_LEFT;
    }
    const uint bN = tid % BN;

    for (uint i = 0; i < TM * TN; ++i) acc[i] = 0.0;
    for (uint k0 = 0; k0 < K; k0 += BK) {
        uint k = k0 + aK;
        uint ci = k % p.Cin, t = k / p.Cin;
        int kx = int(t % uint(KW)), ky = int(t / uint(KW));
        for (uint i = 0; i < A_LOADS; ++i) {
            int iy = rowY[i] + ky, ix = rowX[i] + kx;
            bool inside = k < K && rowOffset[i] >= 0 && iy >= 0 && iy < int(p.H) * UPSAMPLE && ix >= 0 && ix < int(p.W) * UPSAMPLE;
            tileA[aK * BM + tid / BK + i * (WG / BK)] =
                inside ? x[uint(rowOffset[i]) + (uint(iy / UPSAMPLE) * p.W + uint(ix / UPSAMPLE)) * p.Cin + ci] : 0.0;
        }
        for (uint i = 0; i < B_LOADS; ++i) {
            uint kb = tid / BN + i * (WG / BN), kk = k0 + kb, n = colBase + bN;
            tileB[kb * BN + bN] = kk < K && n < p.Cout ? w[kk * p.Cout + n] : 0.0;
        }
        barrier();
        multiplyTiles();
        barrier();
    }

    const uint m0 = rowBase + threadRow() * TM, n0 = colBase + threadCol() * TN;
    for (uint i = 0; i < TM; ++i) {
        uint m = m0 + i;
        if (m >= M) break;
        for (uint j = 0; j < TN; ++j) {
            uint n = n0 + j;
            if (n >= p.Cout) break;
            float v = acc[i * TN + j];
            if (HAS_BIAS) v += bias[n];
            if (HAS_RESIDUAL) v += residual[m * p.Cout + n];
            if (RELU) v = max(v, 0.0);
            y[m * p.Cout + n] = v;
        }
    }
}
