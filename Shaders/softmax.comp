#version 450
// softmax: over the last axis, y[r, j] = exp(x[r, j] − max_r) / Σ_j exp(x[r, j] − max_r).
// One workgroup per row; groups stride over rows so the row count may exceed the workgroup-count limit.
// Each invocation handles columns lid, lid + L, …; max and sum are tree-reduced in shared memory.
//
// Bindings (set 0):
//   0: x  float[rows·C]  read
//   1: y  float[rows·C]  write (also holds exp(x − max) between the two passes)
// Push constants: uint rows, uint channels (C).
// Specialization: 0 = local size x (L, a power of two).

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
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
        for (uint j = lid; j < p.channels; j += stride) m = max(m, x[base + j]);
        partial[lid] = m;
        m = reduce(true);

        float s = 0.0;
        for (uint j = lid; j < p.channels; j += stride) {
            float e = exp(x[base + j] - m);
            y[base + j] = e;
            s += e;
        }
        partial[lid] = s;
        float inverse = 1.0 / reduce(false);
        for (uint j = lid; j < p.channels; j += stride) y[base + j] *= inverse;
    }
}
