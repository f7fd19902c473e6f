#version 450
#extension GL_GOOGLE_include_directive : require
// attention: y = softmax(q kᵀ) v per batch item, the softmax over the keys, without materialising the scores.
// Each invocation owns one query row and VB groups of four value channels, and walks the keys once with an
// online softmax: running max m, running sum l = Σ exp(s − m) and accumulator acc = Σ exp(s − m)·v, both
// rescaled by exp(m_old − m_new) when the max grows, so every key costs one exp. The workgroup's invocations
// differ only in their query row: the key and value rows read at each step are the same for all of them
// (one broadcast load on SIMD CPUs such as lavapipe, one cached line on GPUs), and the query is per lane,
// held in registers (its first 4·QV components; any rest is read from memory at every key).
// With ALIGNED defined (D % 4 == 0 and DV % 4 == 0) every tensor is read and written as svec4; otherwise as
// sfloats; key components past D read as 0, and value channels past DV (in the last block) read channel DV − 1
// (group DV/4 − 1 when ALIGNED) and are never written.
//
// Bindings (set 0), sfloat storage (common.glsl); arithmetic in fp32:
//   0: q  [N, Lq, D]   read
//   1: k  [N, Lk, D]   read
//   2: v  [N, Lk, DV]  read
//   3: y  [N, Lq, DV]  write
// Push constants: uint Lq, Lk (Lk ≥ 1).
// Workgroups: x over query rows (local size LX; groups stride over the rows, common.glsl's FOR_EACH_INDEX),
// y over value-channel blocks of 4·VB, z over the batch items of this dispatch.
// Specialization: 0 = LX, 1 = D, 2 = DV, 3 = VB (vec4s of value channels per invocation),
//                 4 = QV (vec4s of the query kept in registers, ≤ ceil(D / 4)).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int D = 8;
layout(constant_id = 2) const int DV = 32;
layout(constant_id = 3) const int VB = 2;
layout(constant_id = 4) const int QV = 2;
const int DQ = (D + 3) / 4; // vec4s in a query or key row

layout(push_constant) uniform Push { uint Lq, Lk; } p;
#ifdef ALIGNED
layout(std430, set = 0, binding = 0) readonly buffer Q { svec4 q[]; };
layout(std430, set = 0, binding = 1) readonly buffer K { svec4 k[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { svec4 v[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { svec4 y[]; };
// Group i (of four components or channels) of the row starting at element `row`.
vec4 queryGroup(uint row, int i) { return vec4(q[row / 4 + uint(i)]); }
vec4 keyGroup(uint row, int i) { return vec4(k[row / 4 + uint(i)]); }
vec4 valueGroup(uint row, uint g) { return vec4(v[row / 4 + min(g, uint(DV / 4 - 1))]); }
void store(uint row, uint g, vec4 value) {
    if (g < uint(DV / 4)) y[row / 4 + g] = svec4(value);
}
#else
layout(std430, set = 0, binding = 0) readonly buffer Q { sfloat q[]; };
layout(std430, set = 0, binding = 1) readonly buffer K { sfloat k[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { sfloat v[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { sfloat y[]; };
float component(uint row, int c, bool isQuery) {
    if (c >= D) return 0.0;
    return isQuery ? float(q[row + uint(c)]) : float(k[row + uint(c)]);
}
vec4 queryGroup(uint row, int i) {
    return vec4(component(row, 4 * i, true), component(row, 4 * i + 1, true), component(row, 4 * i + 2, true), component(row, 4 * i + 3, true));
}
vec4 keyGroup(uint row, int i) {
    return vec4(component(row, 4 * i, false), component(row, 4 * i + 1, false), component(row, 4 * i + 2, false), component(row, 4 * i + 3, false));
}
vec4 valueGroup(uint row, uint g) {
    uint c = 4 * g, last = uint(DV - 1);
    return vec4(float(v[row + min(c, last)]), float(v[row + min(c + 1, last)]), float(v[row + min(c + 2, last)]), float(v[row + min(c + 3, last)]));
}
void store(uint row, uint g, vec4 value) {
    for (uint t = 0; t < 4; ++t) {
        if (4 * g + t < uint(DV)) y[row + 4 * g + t] = sfloat(value[t]);
    }
}
#endif

vec4 query[QV];

// Score of the query (row `qRow`) against the key row starting at element `kRow`.
float score(uint qRow, uint kRow) {
    float s = 0.0;
    for (int i = 0; i < QV; ++i) s += dot(query[i], keyGroup(kRow, i));
    for (int i = QV; i < DQ; ++i) s += dot(queryGroup(qRow, i), keyGroup(kRow, i));
    return s;
}

void main() {
    uint item = gl_WorkGroupID.z, g0 = gl_WorkGroupID.y * uint(VB);
    uint kBase = item * p.Lk * uint(D), vBase = item * p.Lk * uint(DV);
    FOR_EACH_INDEX(row, p.Lq) {
        uint qRow = (item * p.Lq + row) * uint(D);
        for (int i = 0; i < QV; ++i) query[i] = queryGroup(qRow, i);

        // Key 0 starts the running max, so no sentinel enters the arithmetic.
        float m = score(qRow, kBase), l = 1.0;
        vec4 acc[VB];
        for (int b = 0; b < VB; ++b) acc[b] = valueGroup(vBase, g0 + uint(b));
        for (uint j = 1; j < p.Lk; ++j) {
            float s = score(qRow, kBase + j * uint(D));
            // exp(−|s − m|) is the new key's weight when s ≤ m, and the rescaling of the old terms when s > m.
            float e = exp(-abs(s - m));
            if (s > m) {
                l *= e;
                for (int b = 0; b < VB; ++b) acc[b] *= e;
                m = s;
                e = 1.0;
            }
            l += e;
            uint vRow = vBase + j * uint(DV);
            for (int b = 0; b < VB; ++b) acc[b] = fma(vec4(e), valueGroup(vRow, g0 + uint(b)), acc[b]);
        }

        float inverse = 1.0 / l;
        uint yRow = (item * p.Lq + row) * uint(DV);
        for (int b = 0; b < VB; ++b) store(yRow, g0 + uint(b), acc[b] * inverse);
    }
}
