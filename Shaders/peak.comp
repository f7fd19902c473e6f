#version 450
#extension GL_GOOGLE_include_directive : require
// peak: the device's fp32 FMA throughput (MODE 0) or memory bandwidth (MODE 1), in the manner of vkpeak,
// so benchmark figures have a measured denominator.
//
// Bindings (set 0):
//   0: src  vec4[count]  read   (MODE 1 only; MODE 0 never reads it)
//   1: dst  vec4[count]  write  (MODE 0: one vec4 per invocation, so the FMAs cannot be optimised away)
// Push constants: uint count (vec4 elements).
// Specialization: 0 = local size x, 1 = MODE, 2 = ITERATIONS of the 8 independent vec4 FMA chains.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int MODE = 0;
layout(constant_id = 2) const int ITERATIONS = 512;

layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
    if (MODE == 1) {
        FOR_EACH_INDEX(i, p.count) { dst[i] = src[i]; }
        return;
    }
    uint id = gl_GlobalInvocationID.x;
    if (id >= p.count) return;
    vec4 a = vec4(float(id & 255u) * 1e-3 + 0.999);
    vec4 b = vec4(1e-4);
    vec4 c0 = a, c1 = a + 0.1, c2 = a + 0.2, c3 = a + 0.3, c4 = a + 0.4, c5 = a + 0.5, c6 = a + 0.6, c7 = a + 0.7;
    for (int i = 0; i < ITERATIONS; i++) {
        c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);
        c4 = fma(c4, a, b); c5 = fma(c5, a, b); c6 = fma(c6, a, b); c7 = fma(c7, a, b);
    }
    dst[id] = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7;
}
