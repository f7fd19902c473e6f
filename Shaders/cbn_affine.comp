#version 450
#extension GL_GOOGLE_include_directive : require
// cbn_affine: the per-sample gain and bias of BigGAN's conditional batch norm, one invocation per (n, c):
//   gain[n,c] = 1 + Σ_k cond[n,k]·Wg[k,c],  bias[n,c] = Σ_k cond[n,k]·Wb[k,c]   (fp32, k ascending).
//
// Bindings (set 0), sfloat storage (common.glsl); the sums are fp32, gain and bias are rounded once when stored:
//   0: cond  [N·K]  read
//   1: Wg    [K·C]  read
//   2: Wb    [K·C]  read
//   3: gain  [N·C]  write
//   4: bias  [N·C]  write
// Push constants: uint count (N·C), uint K, uint C.
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Cond { sfloat cond[]; };
layout(std430, set = 0, binding = 1) readonly buffer GainWeight { sfloat wg[]; };
layout(std430, set = 0, binding = 2) readonly buffer BiasWeight { sfloat wb[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Gain { sfloat gain[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Bias { sfloat bias[]; };
layout(push_constant) uniform Push { uint count; uint k; uint c; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint n = i / p.c, ch = i % p.c;
        float g = 0.0, b = 0.0;
        for (uint k = 0; k < p.k; ++k) {
            float v = float(cond[n * p.k + k]);
            g += v * float(wg[k * p.c + ch]);
            b += v * float(wb[k * p.c + ch]);
        }
        gain[i] = sfloat(1.0 + g);
        bias[i] = sfloat(b);
    }
}
