#version 450
#extension GL_GOOGLE_include_directive : require
// matmul: c[b] = act(a[b] · B + bias) with B = b[b] or the shared b, optionally transposed (tiled GEMM, see
// gemm_tile.glsl). Workgroup (x, y, z) computes columns x·BN…, rows y·BM… of batch item z of the chunk.
//
// Bindings (set 0):
//   0: a     float[batch·M·K]                        read
//   1: b     float[K·N] or [batch·K·N]; transposed [N·K] or [batch·N·K]  read
//   2: bias  float[N]                                read   (any buffer when HAS_BIAS is false)
//   3: c     float[batch·M·N]                        write
// Push constants: uint M, N, K.
// Specialization: 0–5 tiling (gemm_tile.glsl), 6 TRANSPOSE_B, 7 BATCHED_B, 8 HAS_BIAS, 9 RELU.
#include "gemm_tile.glsl"

layout(constant_id = 6) const bool TRANSPOSE_B = false;
layout(constant_id = 7) const bool BATCHED_B = false;
layout(constant_id = 8) const bool HAS_BIAS = false;
layout(constant_id = 9) const bool RELU = false;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { float c[]; };
layout(push_constant) uniform Push { uint M, N, K; } p;

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint rowBase = gl_WorkGroupID.y * BM, colBase = gl_WorkGroupID.x * BN;
    const uint aBase = gl_WorkGroupID.z * p.M * p.K;
    const uint bBase = BATCHED_B ? gl_WorkGroupID.z * p.K * p.N : 0;
    const uint cBase = gl_WorkGroupID.z * p.M * p.N;

    for (uint i = 0; i < TM * TN; ++i) acc[i] = 0.0;
    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        // A rows are read along k (contiguous); so is a transposed b, while a plain b is read along n.
        for (uint i = 0; i < A_LOADS; ++i) {
            uint e = tid + i * WG, mt = e / BK, kt = e % BK, m = rowBase + mt, k = k0 + kt;
            tileA[kt * BM + mt] = m < p.M && k < p.K ? a[aBase + m * p.K + k] : 0.0;
        }
        for (uint i = 0; i < B_LOADS; ++i) {
            uint e = tid + i * WG;
            uint kt = TRANSPOSE_B ? e % BK : e / BN, nt = TRANSPOSE_B ? e / BK : e % BN;
            uint k = k0 + kt, n = colBase + nt;
            float v = 0.0;
            if (k < p.K && n < p.N) v = TRANSPOSE_B ? b[bBase + n * p.K + k] : b[bBase + k * p.N + n];
            tileB[kt * BN + nt] = v;
        }
        barrier();
        multiplyTiles();
        barrier();
    }

    const uint m0 = rowBase + threadRow() * TM, n0 = colBase + threadCol() * TN;
    for (uint i = 0; i < TM; ++i) {
        uint m = m0 + i;
        if (m >= p.M) break;
        for (uint j = 0; j < TN; ++j) {
            uint n = n0 + j;
            if (n >= p.N) break;
            float v = acc[i * TN + j];
            if (HAS_BIAS) v += bias[n];
            if (RELU) v = max(v, 0.0);
            c[cBase + m * p.N + n] = v;
        }
    }
}
