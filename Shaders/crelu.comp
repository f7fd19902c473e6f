#version 450
#extension GL_GOOGLE_include_directive : require
// crelu: tf.nn.crelu on the last axis: y[r, j] = relu(x[r, j]) for j < C, relu(−x[r, j − C]) for C ≤ j < 2C.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  [rows·C]   read
//   1: y  [rows·2C]  write
// Push constants: uint count (rows·2C), uint channels (C).
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; uint channels; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint row = i / (2u * p.channels), j = i % (2u * p.channels);
        float v = j < p.channels ? float(x[row * p.channels + j]) : -float(x[row * p.channels + j - p.channels]);
        y[i] = sfloat(max(v, 0.0));
    }
}
