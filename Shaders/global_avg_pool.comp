#version 450
#extension GL_GOOGLE_include_directive : require
// global_avg_pool: y[n, c] = mean over (i, j) of x[n, i, j, c]. One invocation per (n, c); neighbouring
// invocations read neighbouring channels, so loads coalesce. The sum is blocked: each image row is summed
// on its own and the row sums are then added, so fp32 rounding grows with H + W rather than H·W.
//
// Bindings (set 0), sfloat storage (common.glsl); sums in fp32:
//   0: x  [N, H, W, C]  read
//   1: y  [N, C]        write
// Push constants: uint count (= N·C of this dispatch), uint h, uint w, uint c.
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; uint h; uint w; uint c; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint n = i / p.c, channel = i % p.c;
        uint base = n * p.h * p.w * p.c + channel;
        float total = 0.0;
        for (uint r = 0u; r < p.h; ++r) {
            float rowSum = 0.0;
            uint rowBase = base + r * p.w * p.c;
            for (uint col = 0u; col < p.w; ++col) rowSum += float(x[rowBase + col * p.c]);
            total += rowSum;
        }
        y[i] = sfloat(total / float(p.h * p.w));
    }
}
