#version 450
#extension GL_GOOGLE_include_directive : require
// matmul_direct: C = act(A·B + bias) without shared memory, for products with few rows (M ≤ 8: linear layers
// at small batch, where tiles would be mostly empty) and for CPU Vulkan devices. Each invocation owns four
// consecutive columns and TM rows; the A value at (row, k) is the same for every invocation of a workgroup,
// and the B values of neighbouring invocations are neighbouring columns, so reads are shared and coalesced.
// With ALIGNED defined (N % 4 == 0, B not transposed) B is read and C written as vec4; with A_VEC4 (K % 4 == 0)
// A is read as vec4, four k per step (on lavapipe every load in a loop is a per-lane gather, so fewer, wider
// loads made the Winograd products 2× faster).
//
// Bindings (set 0):
//   0: a     sfloat[B, M, K]                         read
//   1: b     sfloat[K, N] or [B, K, N]; transposed: [N, K] or [B, N, K]   read
//   2: bias  sfloat[N]                                read (ignored unless HAS_BIAS)
//   3: c     sfloat[B, M, N]                          write
// Push constants: uint M, N, K.
// Workgroups: x over column groups of 4 (local size LX), y over row blocks of TM, z over the batch items.
// Specialization: 0 = LX, 1 = TM, 2 = TRANSPOSE_B, 3 = BATCHED_B, 4 = HAS_BIAS, 5 = RELU.

#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int TM = 8;
layout(constant_id = 2) const bool TRANSPOSE_B = false;
layout(constant_id = 3) const bool BATCHED_B = false;
layout(constant_id = 4) const bool HAS_BIAS = false;
layout(constant_id = 5) const bool RELU = false;

#ifdef A_VEC4
layout(std430, set = 0, binding = 0) readonly buffer A { svec4 a[]; };
#else
layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
#endif
layout(std430, set = 0, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(push_constant) uniform Push { uint M, N, K; } p;
#ifdef ALIGNED
layout(std430, set = 0, binding = 1) readonly buffer Bm { svec4 b[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { svec4 c[]; };
// Columns n0…n0+3 of row k of B (an [K, N] matrix starting at element `base`).
vec4 loadB(uint base, uint k, uint n0) { return vec4(b[(base + k * p.N + n0) / 4]); }
void store(uint row, uint n0, vec4 v) { c[(row + n0) / 4] = svec4(v); }
#else
layout(std430, set = 0, binding = 1) readonly buffer Bm { sfloat b[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { sfloat c[]; };
vec4 loadB(uint base, uint k, uint n0) {
    // Columns past N read column N − 1 again (always valid) and are never written.
    uint n1 = min(n0 + 1, p.N - 1), n2 = min(n0 + 2, p.N - 1), n3 = min(n0 + 3, p.N - 1);
    return TRANSPOSE_B
        ? vec4(float(b[base + n0 * p.K + k]), float(b[base + n1 * p.K + k]), float(b[base + n2 * p.K + k]), float(b[base + n3 * p.K + k]))
        : vec4(float(b[base + k * p.N + n0]), float(b[base + k * p.N + n1]), float(b[base + k * p.N + n2]), float(b[base + k * p.N + n3]));
}
void store(uint row, uint n0, vec4 v) {
    for (uint j = 0; j < 4 && n0 + j < p.N; ++j) c[row + n0 + j] = sfloat(v[j]);
}
#endif

void main() {
    uint n0 = gl_GlobalInvocationID.x * 4;
    if (n0 >= p.N) return;
    uint m0 = gl_WorkGroupID.y * uint(TM), item = gl_WorkGroupID.z;
    uint rows = min(uint(TM), p.M - m0);
    uint aBase = (item * p.M + m0) * p.K;
    uint bBase = BATCHED_B ? item * p.K * p.N : 0;

    vec4 acc[TM];
    for (int t = 0; t < TM; ++t) acc[t] = vec4(0.0);
#ifdef A_VEC4
    // Four k per step: one vec4 load of A per row instead of four scalar ones (lavapipe gathers every load).
    for (uint k = 0; k < p.K; k += 4) {
        vec4 b0 = loadB(bBase, k, n0), b1 = loadB(bBase, k + 1, n0), b2 = loadB(bBase, k + 2, n0), b3 = loadB(bBase, k + 3, n0);
        for (int t = 0; t < TM; ++t) {
            if (uint(t) < rows) {
                vec4 av = vec4(a[(aBase + uint(t) * p.K + k) / 4]);
                acc[t] = fma(vec4(av.x), b0, acc[t]);
                acc[t] = fma(vec4(av.y), b1, acc[t]);
                acc[t] = fma(vec4(av.z), b2, acc[t]);
                acc[t] = fma(vec4(av.w), b3, acc[t]);
            }
        }
    }
#else
    for (uint k = 0; k < p.K; ++k) {
        vec4 bv = loadB(bBase, k, n0);
        for (int t = 0; t < TM; ++t) {
            if (uint(t) < rows) acc[t] = fma(vec4(float(a[aBase + uint(t) * p.K + k])), bv, acc[t]);
        }
    }
#endif

    vec4 b4 = vec4(0.0);
    if (HAS_BIAS) {
        for (uint j = 0; j < 4; ++j) b4[j] = float(bias[min(n0 + j, p.N - 1)]);
    }
    for (uint t = 0; t < rows; ++t) {
        vec4 v = acc[t] + b4;
        if (RELU) v = max(v, vec4(0.0));
        store((item * p.M + m0 + t) * p.N, n0, v);
    }
}
