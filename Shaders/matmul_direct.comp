#version 450
#extension GL_GOOGLE_include_directive : require
// matmul_direct: C = act(A·B + bias) without shared memory, for products with few rows (M ≤ 8: linear layers
// at small batch, where tiles would be mostly empty) and for CPU Vulkan devices. Each invocation owns four
// consecutive columns and TM rows; the A value at (row, k) is the same for every invocation of a workgroup,
// and the B values of neighbouring invocations are neighbouring columns, so reads are shared and coalesced.
//
// Bindings (set 0):
//   0: a     float[B, M, K]                         read
//   1: b     float[K, N] or [B, K, N]; transposed: [N, K] or [B, N, K]   read
//   2: bias  float[N]                                read (ignored unless HAS_BIAS)
//   3: c     float[B, M, N]                          write
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

layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, set = 0, binding = 1) readonly buffer Bm { sfloat b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer C { sfloat c[]; };
layout(push_constant) uniform Push { uint M, N, K; } p;

void main() {
    uint n0 = gl_GlobalInvocationID.x * 4;
    if (n0 >= p.N) return;
    uint m0 = gl_WorkGroupID.y * uint(TM), item = gl_WorkGroupID.z;
    uint rows = min(uint(TM), p.M - m0);
    uint aBase = (item * p.M + m0) * p.K;
    uint bBase = BATCHED_B ? item * p.K * p.N : 0;
    // Columns past N read column n0 again (always valid) and are never written.
    uint n1 = min(n0 + 1, p.N - 1), n2 = min(n0 + 2, p.N - 1), n3 = min(n0 + 3, p.N - 1);

    vec4 acc[TM];
    for (int t = 0; t < TM; ++t) acc[t] = vec4(0.0);
    for (uint k = 0; k < p.K; ++k) {
        vec4 bv = TRANSPOSE_B
            ? vec4(float(b[bBase + n0 * p.K + k]), float(b[bBase + n1 * p.K + k]), float(b[bBase + n2 * p.K + k]), float(b[bBase + n3 * p.K + k]))
            : vec4(float(b[bBase + k * p.N + n0]), float(b[bBase + k * p.N + n1]), float(b[bBase + k * p.N + n2]), float(b[bBase + k * p.N + n3]));
        for (int t = 0; t < TM; ++t) {
            if (uint(t) < rows) acc[t] = fma(vec4(float(a[aBase + uint(t) * p.K + k])), bv, acc[t]);
        }
    }

    for (uint t = 0; t < rows; ++t) {
        uint row = (item * p.M + m0 + t) * p.N;
        for (uint j = 0; j < 4 && n0 + j < p.N; ++j) {
            float v = acc[t][j];
            if (HAS_BIAS) v += float(bias[n0 + j]);
            if (RELU) v = max(v, 0.0);
            c[row + n0 + j] = sfloat(v);
        }
    }
}
