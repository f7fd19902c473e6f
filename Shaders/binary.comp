#version 450
#extension GL_GOOGLE_include_directive : require
// binary: y = a ∘ b elementwise, ∘ chosen by OP (VulkanBinary.swift maps BinaryOp onto it):
//   0 add a + SCALE·b (subtract is SCALE = −1), 1 multiply a·b, 2 divide a/b, 3 maximum, 4 minimum;
//   comparisons giving 1.0 or 0.0: 5 a > b, 6 a ≥ b, 7 a < b, 8 a ≤ b, 9 a = b, 10 a ≠ b (NaN compares unequal to
//   everything, tested explicitly rather than left to the compiler's choice of ordered or unordered comparisons).
// Equal element layouts (the models' case) read a[i] and b[i]. With BROADCAST, a and b are broadcast to y's
// shape through Binary.broadcast's merged layout: y's index i (within the chunk) is split into coordinates over
// `dims`, innermost last, and each operand is read at its offset + Σ coordinate·stride, a stride of 0 stretching it.
// The sum is `precise` so it is not contracted into an fma: each step is rounded as in the CPU reference.
// maximum and minimum give NaN when either operand is NaN (GLSL's max leaves that undefined), as TensorFlow does.
//
// Bindings (set 0), sfloat storage (common.glsl), fp32 arithmetic:
//   0: a  [count] read; BROADCAST: the elements its offset and strides address
//   1: b  [count] read; BROADCAST: likewise
//   2: y  [count] write
// Push constants: uint count; BROADCAST adds uint rank (merged axes in use), uint aOffset, uint bOffset,
//   uint dims[MAX_AXES], uint aStride[MAX_AXES], uint bStride[MAX_AXES] (outermost axis first; dims[0] is the
//   whole output's, the chunk's rows are counted from 0).
// Specialization: 0 = local size x, 1 = OP, 2 = SCALE (float, add only).
#include "common.glsl"

#define MAX_AXES 6 // Binary.maxMergedAxes

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;
layout(constant_id = 2) const float SCALE = 1.0;

layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { sfloat b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { sfloat y[]; };
#ifdef BROADCAST
layout(push_constant) uniform Push {
    uint count;
    uint rank;
    uint aOffset;
    uint bOffset;
    uint dims[MAX_AXES];
    uint aStride[MAX_AXES];
    uint bStride[MAX_AXES];
} p;
#else
layout(push_constant) uniform Push { uint count; } p;
#endif

float compare(float u, float v) {
    if (isnan(u) || isnan(v)) {
        return OP == 10 ? 1.0 : 0.0;
    }
    bool r;
    if (OP == 5) {
        r = u > v;
    } else if (OP == 6) {
        r = u >= v;
    } else if (OP == 7) {
        r = u < v;
    } else if (OP == 8) {
        r = u <= v;
    } else if (OP == 9) {
        r = u == v;
    } else {
        r = u != v;
    }
    return r ? 1.0 : 0.0;
}

float combine(float u, float v) {
    if (OP >= 5) {
        return compare(u, v);
    }
    precise float r;
    if (OP == 0) {
        r = u + SCALE * v;
    } else if (OP == 1) {
        r = u * v;
    } else if (OP == 2) {
        r = u / v;
    } else if (isnan(u) || isnan(v)) {
        r = u + v;
    } else if (OP == 3) {
        r = max(u, v);
    } else {
        r = min(u, v);
    }
    return r;
}

void main() {
    FOR_EACH_INDEX(i, p.count) {
#ifdef BROADCAST
        uint rest = i;
        uint ia = p.aOffset;
        uint ib = p.bOffset;
        for (int axis = int(p.rank) - 1; axis > 0; --axis) {
            uint coordinate = rest % p.dims[axis];
            rest /= p.dims[axis];
            ia += coordinate * p.aStride[axis];
            ib += coordinate * p.bStride[axis];
        }
        ia += rest * p.aStride[0]; // the row within the chunk
        ib += rest * p.bStride[0];
        y[i] = sfloat(combine(float(a[ia]), float(b[ib])));
#else
        y[i] = sfloat(combine(float(a[i]), float(b[i])));
#endif
    }
}
