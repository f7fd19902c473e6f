#version 450
#extension GL_GOOGLE_include_directive : require
// upsample_nearest: nearest-neighbour 2× upsampling, y[n, i, j, c] = x[n, i/2, j/2, c] (NHWC).
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  [N, H, W, C]    read
//   1: y  [N, 2H, 2W, C]  write
// Push constants: uint count (= N·2H·2W·C of this dispatch), uint h, uint w, uint c (input sizes).
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; uint h; uint w; uint c; } p;

void main() {
    uint outH = 2u * p.h, outW = 2u * p.w;
    FOR_EACH_INDEX(i, p.count) {
        uint channel = i % p.c;
        uint pixel = i / p.c;
        uint col = pixel % outW;
        uint row = pixel / outW; // n·2H + output row
        uint n = row / outH;
        uint source = ((n * p.h + (row % outH) / 2u) * p.w + col / 2u) * p.c + channel;
        y[i] = x[source];
    }
}
