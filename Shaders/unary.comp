#version 450
#extension GL_GOOGLE_include_directive : require
// unary: y[i] = f(x[i]), f chosen by the specialization constant OP (VulkanUnary.swift maps UnaryOp onto it).
// sqrt, inversesqrt and log are undefined in GLSL outside their domain, so those inputs are answered explicitly
// with UnaryOp's IEEE results (NaN below 0, log(0) = −inf, rsqrt(±0) = ±inf); the infinities and NaNs survive
// where the driver keeps them (Vulkan guarantees that only under SignedZeroInfNanPreserve; lavapipe does).
//
// Bindings (set 0), sfloat storage (common.glsl), fp32 arithmetic:
//   0: x  [count]  read
//   1: y  [count]  write
// Push constants: uint count.
// Specialization: 0 = local size x, 1 = OP (0 relu, 1 tanh, 2 softplus, 3 negate, 4 square, 5 sqrt, 6 rsqrt,
//   7 exp, 8 log, 9 sigmoid, 10 relu6, 11 leaky ReLU, 12 elu, 13 truncate, 14 round (half to even), 15 floor,
//   16 ceil, 17 abs, 18 sign, 19 reciprocal), 2 = PARAMETER (float: leaky ReLU's alpha).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;
layout(constant_id = 2) const float PARAMETER = 0.0;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; } p;

#define NAN uintBitsToFloat(0x7FC00000u)
#define INFINITY uintBitsToFloat(0x7F800000u)

float f(float v) {
    switch (OP) {
    case 0:
        return max(v, 0.0);
    case 1:
        return tanh(clamp(v, -15.0, 15.0)); // tanh(±15) is ±1 in fp32; clamping avoids inf/inf in some drivers
    case 2: {
        float t = exp(-abs(v));
        return max(v, 0.0) + (t < 1e-4 ? t : log(1.0 + t)); // log1p(t) ≈ t for tiny t
    }
    case 3:
        return -v;
    case 4:
        return v * v;
    case 5:
        return v > 0.0 ? sqrt(v) : (v == 0.0 ? v : NAN);
    case 6:
        return v > 0.0 ? inversesqrt(v) : (v == 0.0 ? 1.0 / v : NAN);
    case 7:
        return exp(v);
    case 8:
        return v > 0.0 ? log(v) : (v == 0.0 ? -INFINITY : NAN);
    case 9: {
        float e = exp(-abs(v)); // in (0, 1]: never overflows
        float s = 1.0 / (1.0 + e); // sigmoid(|v|)
        return v >= 0.0 ? s : e * s; // sigmoid(−|v|) = e·sigmoid(|v|)
    }
    case 10:
        return clamp(v, 0.0, 6.0);
    case 11:
        return v > 0.0 ? v : PARAMETER * v;
    case 12:
        return v < 0.0 ? exp(v) - 1.0 : v;
    case 13:
        return trunc(v);
    case 14:
        return roundEven(v);
    case 15:
        return floor(v);
    case 16:
        return ceil(v);
    case 17:
        return abs(v);
    case 18:
        return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : v); // ±0 and NaN (every comparison false) return themselves
    default:
        return 1.0 / v;
    }
}

void main() {
    FOR_EACH_INDEX(i, p.count) {
        y[i] = sfloat(f(float(x[i])));
    }
}
