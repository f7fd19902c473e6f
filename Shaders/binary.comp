#version 450
#extension GL_GOOGLE_include_directive : require
// binary: y[i] = a[i] + SCALE·b[i] (OP 0) or a[i]·b[i] (OP 1) on equal shapes.
// The sum is `precise` so it is not contracted into an fma: each step is rounded as in the CPU reference.
//
// Bindings (set 0), sfloat storage (common.glsl), fp32 arithmetic:
//   0: a  [count]  read
//   1: b  [count]  read
//   2: y  [count]  write
// Push constants: uint count.
// Specialization: 0 = local size x, 1 = OP (0 add, 1 multiply), 2 = SCALE (float, add only).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;
layout(constant_id = 2) const float SCALE = 1.0;

layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { sfloat b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        precise float v;
        if (OP == 0) {
            v = float(a[i]) + SCALE * float(b[i]);
        } else {
            v = float(a[i]) * float(b[i]);
        }
        y[i] = sfloat(v);
    }
}
