#version 450
#extension GL_GOOGLE_include_directive : require
// attention: y = softmax(q kᵀ) v per batch item, the softmax over the keys, without materialising the scores.
// Each invocation owns TQ query rows and VB groups of four value channels, and walks the keys once with an
// online softmax per row: running max m, running sum l = Σ exp(s − m) and accumulator acc = Σ exp(s − m)·v,
// both rescaled by exp(m_old − m_new) when the max grows, so every key costs one exp per row. The invocations
// of a workgroup differ only in their query rows, so the key and value rows read at each step are the same
// for all of them (one cached line on GPUs) and are loaded once per step for all TQ rows. The queries are
// per lane, held in registers (the first 4·QV components of each; any rest is read from memory at every key).
// CPU devices (lavapipe, Mesa 22.3) turn every load inside a loop into a per-lane gather even at a uniform
// address, and run a divergent branch masked with a masked store of every variable it writes: there TQ > 1
// spreads each load over more rows, and RESCALE_EVERY_KEY rescales by exp(−|s − m|) or 1 without a branch.
// GPUs take the branch only at a new maximum (about ln Lk times per row), saving a multiply per accumulator.
// With ALIGNED defined (D % 4 == 0 and DV % 4 == 0) every tensor is read and written as svec4; otherwise as
// sfloats. Key components past D read as 0; value channels past DV (in the last block) read channel DV − 1
// (group DV/4 − 1 when ALIGNED) and are never written; rows past Lq compute row Lq − 1 and are never written.
//
// Bindings (set 0), sfloat storage (common.glsl); arithmetic in fp32:
//   0: q  [N, Lq, D]   read
//   1: k  [N, Lk, D]   read
//   2: v  [N, Lk, DV]  read
//   3: y  [N, Lq, DV]  write
// Push constants: uint Lq, Lk (Lk ≥ 1).
// Workgroups: x over blocks of LX·TQ query rows (row (block·TQ + t)·LX + lane for t < TQ; groups stride over
// the blocks), y over value-channel blocks of 4·VB, z over the batch items of this dispatch.
// Specialization: 0 = LX (local size x), 1 = D, 2 = DV, 3 = VB (vec4s of value channels per invocation),
//                 4 = QV (vec4s of each query kept in registers, ≤ ceil(D / 4)), 5 = TQ (query rows per invocation),
//                 6 = RESCALE_EVERY_KEY (branch-free online softmax).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int D = 8;
layout(constant_id = 2) const int DV = 32;
layout(constant_id = 3) const int VB = 2;
layout(constant_id = 4) const int QV = 2;
layout(constant_id = 5) const int TQ = 1;
layout(constant_id = 6) const bool RESCALE_EVERY_KEY = false;
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

vec4 query[TQ * QV];  // query[t·QV + i]: group i of row t
uint queryRow[TQ];    // first element of row t in q
vec4 key[QV];         // the current key row's first QV groups
vec4 value[VB];       // the current value row's groups g0 … g0 + VB − 1

void loadKeyAndValue(uint kRow, uint vRow, uint g0) {
    for (int i = 0; i < QV; ++i) key[i] = keyGroup(kRow, i);
    for (int b = 0; b < VB; ++b) value[b] = valueGroup(vRow, g0 + uint(b));
}

// Score of query row t against the key row starting at element `kRow` (loaded into key[]).
float score(int t, uint kRow) {
    float s = 0.0;
    for (int i = 0; i < QV; ++i) s += dot(query[t * QV + i], key[i]);
    for (int i = QV; i < DQ; ++i) s += dot(queryGroup(queryRow[t], i), keyGroup(kRow, i));
    return s;
}

void main() {
    uint lane = gl_LocalInvocationID.x, item = gl_WorkGroupID.z, g0 = gl_WorkGroupID.y * uint(VB);
    uint kBase = item * p.Lk * uint(D), vBase = item * p.Lk * uint(DV);
    uint rowsPerGroup = gl_WorkGroupSize.x * uint(TQ), rowBlocks = (p.Lq + rowsPerGroup - 1) / rowsPerGroup;
    for (uint block = gl_WorkGroupID.x; block < rowBlocks; block += gl_NumWorkGroups.x) {
        for (int t = 0; t < TQ; ++t) {
            uint row = min((block * uint(TQ) + uint(t)) * gl_WorkGroupSize.x + lane, p.Lq - 1);
            queryRow[t] = (item * p.Lq + row) * uint(D);
            for (int i = 0; i < QV; ++i) query[t * QV + i] = queryGroup(queryRow[t], i);
        }

        // Key 0 starts each running max, so no sentinel enters the arithmetic.
        float m[TQ], l[TQ];
        vec4 acc[TQ * VB];
        loadKeyAndValue(kBase, vBase, g0);
        for (int t = 0; t < TQ; ++t) {
            m[t] = score(t, kBase);
            l[t] = 1.0;
            for (int b = 0; b < VB; ++b) acc[t * VB + b] = value[b];
        }
        for (uint j = 1; j < p.Lk; ++j) {
            uint kRow = kBase + j * uint(D);
            loadKeyAndValue(kRow, vBase + j * uint(DV), g0);
            for (int t = 0; t < TQ; ++t) {
                float s = score(t, kRow);
                // exp(−|s − m|) is the new key's weight when s ≤ m, and the rescaling of the old terms when s > m.
                float e = exp(-abs(s - m[t]));
                if (RESCALE_EVERY_KEY) {
                    bool grows = s > m[t];
                    float r = grows ? e : 1.0;
                    e = grows ? 1.0 : e;
                    m[t] = max(m[t], s);
                    l[t] = fma(l[t], r, e);
                    for (int b = 0; b < VB; ++b) acc[t * VB + b] = fma(acc[t * VB + b], vec4(r), e * value[b]);
                } else {
                    if (s > m[t]) {
                        l[t] *= e;
                        for (int b = 0; b < VB; ++b) acc[t * VB + b] *= e;
                        m[t] = s;
                        e = 1.0;
                    }
                    l[t] += e;
                    for (int b = 0; b < VB; ++b) acc[t * VB + b] = fma(vec4(e), value[b], acc[t * VB + b]);
                }
            }
        }

        for (int t = 0; t < TQ; ++t) {
            uint row = (block * uint(TQ) + uint(t)) * gl_WorkGroupSize.x + lane;
            if (row >= p.Lq) continue;
            float inverse = 1.0 / l[t];
            for (int b = 0; b < VB; ++b) store((item * p.Lq + row) * uint(DV), g0 + uint(b), acc[t * VB + b] * inverse);
        }
    }
}
