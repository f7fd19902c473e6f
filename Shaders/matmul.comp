#version 450
#extension GL_GOOGLE_include_directive : require
// matmul: c[b] = act(a[b] · B + bias) with B = b[b] or the shared b, optionally transposed (tiled GEMM, see
// gemm_tile.glsl). Workgroup (x, y, z) computes columns x·BN…, rows y·BM… of batch item z of the chunk.
// Defines chosen by the host for aligned shapes (floats otherwise):
//   A_VEC4 (K % 4 == 0): a is read as vec4s along k.
//   B_VEC4 (N % 4 == 0, or K % 4 == 0 when transposed): b is read as vec4s along its contiguous axis.
//   C_VEC4 (N % 4 == 0): bias and c are read and written as vec4s along n.
//
// Bindings (set 0), elements sfloat (common.glsl):
//   0: a     [batch·M·K]                        read
//   1: b     [K·N] or [batch·K·N]; transposed [N·K] or [batch·N·K]  read
//   2: bias  [N]                                read   (any buffer when HAS_BIAS is false)
//   3: c     [batch·M·N]                        write
// Push constants: uint M, N, K.
// Specialization: 0–5 tiling (gemm_tile.glsl), 6 TRANSPOSE_B, 7 BATCHED_B, 8 HAS_BIAS, 9 RELU.
#include "common.glsl"
#include "gemm_tile.glsl"

layout(constant_id = 6) const bool TRANSPOSE_B = false;
layout(constant_id = 7) const bool BATCHED_B = false;
layout(constant_id = 8) const bool HAS_BIAS = false;
layout(constant_id = 9) const bool RELU = false;

#ifdef A_VEC4
layout(std430, set = 0, binding = 0) readonly buffer A { svec4 a[]; };
#else
layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
#endif
#ifdef B_VEC4
const uint VB = 4;
layout(std430, set = 0, binding = 1) readonly buffer B { svec4 b[]; };
#else
const uint VB = 1;
layout(std430, set = 0, binding = 1) readonly buffer B { sfloat b[]; };
#endif
#ifdef C_VEC4
layout(std430, set = 0, binding = 2) readonly buffer Bias { svec4 bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { svec4 c[]; };
#else
layout(std430, set = 0, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { sfloat c[]; };
#endif
layout(push_constant) uniform Push { uint M, N, K; } p;

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint rowBase = gl_WorkGroupID.y * BM, colBase = gl_WorkGroupID.x * BN;
    const uint aBase = gl_WorkGroupID.z * p.M * p.K;
    const uint bBase = BATCHED_B ? gl_WorkGroupID.z * p.K * p.N : 0;
    const uint cBase = gl_WorkGroupID.z * p.M * p.N;

    clearAccumulators();
    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        // A rows are read along k (contiguous); so is a transposed b, while a plain b is read along n.
        for (uint e = tid; e < BM * BK / VA; e += WG) {
            uint mt = e / A_SPAN, kt = (e % A_SPAN) * VA, m = rowBase + mt, k = k0 + kt;
            bool valid = m < p.M && k < p.K;
            uint index = valid ? aBase + m * p.K + k : 0;
#ifdef A_VEC4
            vec4 v = valid ? vec4(a[index / 4]) : vec4(0.0);
            for (uint j = 0; j < 4; ++j) stageA(kt + j, mt, v[j]);
#else
            stageA(kt, mt, valid ? float(a[index]) : 0.0);
#endif
        }
        for (uint e = tid; e < BK * BN / VB; e += WG) {
            uint kt = TRANSPOSE_B ? (e % (BK / VB)) * VB : e / (BN / VB);
            uint nt = TRANSPOSE_B ? e / (BK / VB) : (e % (BN / VB)) * VB;
            uint k = k0 + kt, n = colBase + nt;
            bool valid = k < p.K && n < p.N;
            uint index = valid ? bBase + (TRANSPOSE_B ? n * p.K + k : k * p.N + n) : 0;
#ifdef B_VEC4
            vec4 v = valid ? vec4(b[index / 4]) : vec4(0.0);
            if (TRANSPOSE_B) {
                for (uint j = 0; j < 4; ++j) stageB(kt + j, nt, v[j]);
            } else {
                stageB4(kt, nt, v);
            }
#else
            stageB(kt, nt, valid ? float(b[index]) : 0.0);
#endif
        }
        barrier();
        multiplyTiles();
        barrier();
    }

    for (uint i = 0; i < TM; ++i) {
        uint m = rowBase + microRow(i);
        if (m >= p.M) continue;
        for (uint g = 0; g < TN / 4; ++g) {
            uint n = colBase + microCol(4 * g), o = cBase + m * p.N + n;
            if (n >= p.N) continue;
            vec4 v = acc[i * (TN / 4) + g];
#ifdef C_VEC4
            if (HAS_BIAS) v += vec4(bias[n / 4]);
            if (RELU) v = max(v, vec4(0.0));
            c[o / 4] = svec4(v);
#else
            for (uint j = 0; j < 4 && n + j < p.N; ++j) {
                float s = v[j];
                if (HAS_BIAS) s += float(bias[n + j]);
                if (RELU) s = max(s, 0.0);
                c[o + j] = sfloat(s);
            }
#endif
        }
    }
}
