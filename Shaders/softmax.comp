#version 450
#extension GL_GOOGLE_include_directive : require
// softmax: over the last axis, y[r, j] = exp(x[r, j] − max_r) / Σ_j exp(x[r, j] − max_r).
// One workgroup per row; groups stride over rows so the row count may exceed the workgroup-count limit.
// Each invocation handles columns lid, lid + L, …; max and sum are tree-reduced in fp32 in shared memory.
// The last pass recomputes exp(x − max) rather than storing it in y, so an fp16 y is rounded only once.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  [rows·C]  read
//   1: y  [rows·C]  write
// Push constants: uint rows, uint channels (C).
// Specialization: 0 = local size x (L, a power of two).
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint rows; uint channels; } p;

shared float partial[gl_WorkGroupSize.x];

// Tree reduction of partial[] (max when takeMax, else sum); every invocation returns the result.
float reduce(bool takeMax) {
    for (uint width = gl_WorkGroupSize.x / 2; width > 0; width /= 2) {
        barrier();
        uint lid = gl_LocalInvocationID.x;
        if (lid < width) {
            float other = partial[lid + width];
            partial[lid] = takeMax ? max(partial[lid], other) : partial[lid] + other;
        }
    }
    barrier();
    float result = partial[0];
    barrier(); // everyone has read partial[0] before the next reduction overwrites it
    return result;
}

void main() {
    uint lid = gl_LocalInvocationID.x, stride = gl_WorkGroupSize.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        uint base = row * p.channels;
        float m = -3.402823466e38;
        for (uint j = lid; j < p.channels; j += stride) m = max(m, float(x[base + j]));
        partial[lid] = m;
        m = reduce(true);

        float s = 0.0;
        for (uint j = lid; j < p.channels; j += stride) s += exp(float(x[base + j]) - m);
        partial[lid] = s;
        float inverse = 1.0 / reduce(false);
        for (uint j = lid; j < p.channels; j += stride) y[base + j] = sfloat(exp(float(x[base + j]) - m) * inverse);
    }
}
