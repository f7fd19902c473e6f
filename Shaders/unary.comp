#version 450
#extension GL_GOOGLE_include_directive : require
// unary: y[i] = f(x[i]), f chosen by the specialization constant OP (UnaryOp's raw value).
//
// Bindings (set 0), sfloat storage (common.glsl), fp32 arithmetic:
//   0: x  [count]  read
//   1: y  [count]  write
// Push constants: uint count.
// Specialization: 0 = local size x, 1 = OP (0 relu, 1 tanh, 2 softplus).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        float v = float(x[i]);
        if (OP == 0) {
            v = max(v, 0.0);
        } else if (OP == 1) {
            v = tanh(clamp(v, -15.0, 15.0)); // tanh(±15) is ±1 in fp32; clamping avoids inf/inf in some drivers
        } else {
            float t = exp(-abs(v));
            v = max(v, 0.0) + (t < 1e-4 ? t : log(1.0 + t)); // log1p(t) ≈ t for tiny t
        }
        y[i] = sfloat(v);
    }
}
