#version 450
#extension GL_GOOGLE_include_directive : require
// batchnorm: inference batch norm over the last axis (C channels), shared by BatchNorm and ConditionalBatchNorm:
//   y[i] = act((x[i] − mean[c]) · (rsqrt(var[c] + ε) · γ) + β),  c = i mod C.
// PER_SAMPLE_AFFINE false: γ = scale[c], β = offset[c] (BN; absent ones are 1 and 0).
// PER_SAMPLE_AFFINE true:  γ = scale[n·C + c], β = offset[n·C + c] with n the sample (CBN's gain and bias).
//
// Bindings (set 0), sfloat storage (common.glsl), fp32 arithmetic:
//   0: x         [count]  read   (the samples of this chunk)
//   1: mean      [C]      read
//   2: variance  [C]      read
//   3: scale     [C] or [N·C]  read (unread when HAS_SCALE is false; any buffer may be bound)
//   4: offset    [C] or [N·C]  read (unread when HAS_OFFSET is false; any buffer may be bound)
//   5: y         [count]  write  (the samples of this chunk)
// Push constants: uint count, uint channels (C), uint perSample (elements per sample),
//                 uint firstSample (sample index of x[0], for the per-sample affine), float epsilon.
// Specialization: 0 = local size x, 1 = ACTIVATION (0 none, 1 relu), 2 = PER_SAMPLE_AFFINE,
//                 3 = HAS_SCALE, 4 = HAS_OFFSET. VEC4 (defined when C % 4 == 0): see below.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int ACTIVATION = 0;
layout(constant_id = 2) const bool PER_SAMPLE_AFFINE = false;
layout(constant_id = 3) const bool HAS_SCALE = false;
layout(constant_id = 4) const bool HAS_OFFSET = false;

layout(push_constant) uniform Push { uint count; uint channels; uint perSample; uint firstSample; float epsilon; } p;

#ifdef VEC4
// C % 4 == 0: every buffer is read and written as vec4s, four channels per invocation (count, channels and
// perSample are then in vec4 units).
layout(std430, set = 0, binding = 0) readonly buffer X { svec4 x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mean { svec4 mean[]; };
layout(std430, set = 0, binding = 2) readonly buffer Variance { svec4 variance[]; };
layout(std430, set = 0, binding = 3) readonly buffer Scale { svec4 scale[]; };
layout(std430, set = 0, binding = 4) readonly buffer Offset { svec4 offset[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Y { svec4 y[]; };
#define VALUE vec4
#else
layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mean { sfloat mean[]; };
layout(std430, set = 0, binding = 2) readonly buffer Variance { sfloat variance[]; };
layout(std430, set = 0, binding = 3) readonly buffer Scale { sfloat scale[]; };
layout(std430, set = 0, binding = 4) readonly buffer Offset { sfloat offset[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Y { sfloat y[]; };
#define VALUE float
#endif

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint c = i % p.channels;
        uint a = PER_SAMPLE_AFFINE ? (p.firstSample + i / p.perSample) * p.channels + c : c;
        VALUE gamma = HAS_SCALE ? VALUE(scale[a]) : VALUE(1.0);
        VALUE beta = HAS_OFFSET ? VALUE(offset[a]) : VALUE(0.0);
        VALUE v = (VALUE(x[i]) - VALUE(mean[c])) * (inversesqrt(VALUE(variance[c]) + p.epsilon) * gamma) + beta;
#ifdef VEC4
        y[i] = svec4(ACTIVATION == 1 ? max(v, vec4(0.0)) : v);
#else
        y[i] = sfloat(ACTIVATION == 1 ? max(v, 0.0) : v);
#endif
    }
}
