#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_direct: direct convolution without shared memory, for CPU Vulkan devices (lavapipe), where
// invocations are SIMD lanes and every load that differs between lanes is a gather. Each invocation owns
// four output channels (one vec4 of the HWIO weight row) and TM consecutive output pixels of one row;
// the input value at each (pixel, ky, kx, ci) is the same for every lane of the workgroup, so it is a
// single scalar load broadcast across lanes. y = act(conv(x, w) + bias + residual).
// With ALIGNED defined (Cout % 4 == 0) weights and outputs are read and written as svec4; otherwise as
// sfloats, the last group's channels past Cout reading channel Cout − 1 and never being written. With X_VEC4
// (Cin % 4 == 0) x is read as vec4, four input channels per step (lavapipe gathers every load in a loop, so fewer,
// wider loads are faster).
//
// Bindings (set 0), sfloat storage (common.glsl); accumulation in fp32:
//   0: x         [N, H, W, Cin]          read
//   1: w         [KH, KW, Cin, Cout]     read
//   2: bias      [Cout]                  read (ignored unless HAS_BIAS; any buffer otherwise)
//   3: residual  [N, Ho, Wo, Cout]       read (ignored unless HAS_RESIDUAL)
//   4: y         [N, Ho, Wo, Cout]       write
// Push constants: uint H, W, Cin, Ho, Wo, Cout.
// Workgroups: x over channel groups (local size LX), y over output row segments of TM pixels
// (Ho · ceil(Wo/TM)), z over the samples of this dispatch. For narrow outputs (few channel groups, which
// would leave most SIMD lanes idle) SEGMENT_LANES > 1 puts that many row segments side by side in a
// workgroup: invocation i handles group i % G and segment y · SEGMENT_LANES + i / G (G = ceil(Cout/4), LX =
// G · SEGMENT_LANES); the weights are then the shared load and the inputs differ between lanes.
// Specialization: 0 = LX, 1 = TM, 2 = KH, 3 = KW, 4 = STRIDE, 5 = PAD_TOP, 6 = PAD_LEFT, 7 = HAS_BIAS,
//                 8 = HAS_RESIDUAL, 9 = RELU, 10 = UPSAMPLE (nearest factor applied to x before convolving;
//                 H and W are x's stored size), 11 = SEGMENT_LANES, 12 = DILATION (tap (ky, kx) reads input offset
//                 (ky·DILATION, kx·DILATION)).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int TM = 8;
layout(constant_id = 2) const int KH = 3;
layout(constant_id = 3) const int KW = 3;
layout(constant_id = 4) const int STRIDE = 1;
layout(constant_id = 5) const int PAD_TOP = 1;
layout(constant_id = 6) const int PAD_LEFT = 1;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool HAS_RESIDUAL = false;
layout(constant_id = 9) const bool RELU = false;
layout(constant_id = 10) const int UPSAMPLE = 1;
layout(constant_id = 11) const int SEGMENT_LANES = 1;
layout(constant_id = 12) const int DILATION = 1;

#ifdef X_VEC4
layout(std430, set = 0, binding = 0) readonly buffer X { svec4 x[]; };
#else
layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
#endif
layout(push_constant) uniform Push { uint H, W, Cin, Ho, Wo, Cout; } p;
#ifdef ALIGNED
layout(std430, set = 0, binding = 1) readonly buffer Wt { svec4 w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { svec4 bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { svec4 residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Y { svec4 y[]; };
// Element i of channel group g (in vec4 units) of a [..., Cout] row starting at `row` (in channels).
vec4 weights(uint row, uint g) { return vec4(w[row / 4 + g]); }
vec4 biases(uint g) { return vec4(bias[g]); }
vec4 residuals(uint row, uint g) { return vec4(residual[row / 4 + g]); }
void store(uint row, uint g, vec4 v) { y[row / 4 + g] = svec4(v); }
#else
layout(std430, set = 0, binding = 1) readonly buffer Wt { sfloat w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Residual { sfloat residual[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Y { sfloat y[]; };
uint channel(uint g, uint j) { return min(4 * g + j, p.Cout - 1); }
vec4 weights(uint row, uint g) {
    return vec4(float(w[row + channel(g, 0)]), float(w[row + channel(g, 1)]), float(w[row + channel(g, 2)]), float(w[row + channel(g, 3)]));
}
vec4 biases(uint g) {
    return vec4(float(bias[channel(g, 0)]), float(bias[channel(g, 1)]), float(bias[channel(g, 2)]), float(bias[channel(g, 3)]));
}
vec4 residuals(uint row, uint g) {
    return vec4(float(residual[row + channel(g, 0)]), float(residual[row + channel(g, 1)]), float(residual[row + channel(g, 2)]),
                float(residual[row + channel(g, 3)]));
}
void store(uint row, uint g, vec4 v) {
    for (uint j = 0; j < 4 && 4 * g + j < p.Cout; ++j) y[row + 4 * g + j] = sfloat(v[j]);
}
#endif

void main() {
    uint groups = (p.Cout + 3) / 4, segments = (p.Wo + uint(TM) - 1) / uint(TM);
    uint g = gl_GlobalInvocationID.x, segment = gl_WorkGroupID.y;
    if (SEGMENT_LANES > 1) {
        g = gl_LocalInvocationID.x % groups;
        segment = gl_WorkGroupID.y * uint(SEGMENT_LANES) + gl_LocalInvocationID.x / groups;
    }
    if (g >= groups || segment >= p.Ho * segments) return;
    uint oy = segment / segments, ox0 = (segment % segments) * uint(TM);
    uint n = gl_WorkGroupID.z;

    vec4 acc[TM];
    for (int t = 0; t < TM; ++t) acc[t] = vec4(0.0);

    for (int ky = 0; ky < KH; ++ky) {
        int iy = int(oy) * STRIDE - PAD_TOP + ky * DILATION;
        if (iy < 0 || iy >= int(p.H) * UPSAMPLE) continue;
        for (int kx = 0; kx < KW; ++kx) {
            // Start of each pixel's input channels, or −1 where the tap falls in the padding.
            int start[TM];
            for (int t = 0; t < TM; ++t) {
                int ix = int(ox0 + uint(t)) * STRIDE - PAD_LEFT + kx * DILATION;
                start[t] = ix >= 0 && ix < int(p.W) * UPSAMPLE && ox0 + uint(t) < p.Wo
                    ? int(((n * p.H + uint(iy / UPSAMPLE)) * p.W + uint(ix / UPSAMPLE)) * p.Cin) : -1;
            }
            uint wRow = uint(ky * KW + kx) * p.Cin * p.Cout;
#ifdef X_VEC4
            // Four input channels per step: one vec4 load of x per pixel instead of four scalar ones.
            for (uint ci = 0; ci < p.Cin; ci += 4) {
                vec4 w0 = weights(wRow + ci * p.Cout, g), w1 = weights(wRow + (ci + 1) * p.Cout, g);
                vec4 w2 = weights(wRow + (ci + 2) * p.Cout, g), w3 = weights(wRow + (ci + 3) * p.Cout, g);
                for (int t = 0; t < TM; ++t) {
                    if (start[t] >= 0) {
                        vec4 xv = vec4(x[(uint(start[t]) + ci) / 4]);
                        acc[t] = fma(vec4(xv.x), w0, acc[t]);
                        acc[t] = fma(vec4(xv.y), w1, acc[t]);
                        acc[t] = fma(vec4(xv.z), w2, acc[t]);
                        acc[t] = fma(vec4(xv.w), w3, acc[t]);
                    }
                }
            }
#else
            for (uint ci = 0; ci < p.Cin; ++ci) {
                vec4 wv = weights(wRow + ci * p.Cout, g);
                for (int t = 0; t < TM; ++t) {
                    if (start[t] >= 0) acc[t] = fma(vec4(float(x[uint(start[t]) + ci])), wv, acc[t]);
                }
            }
#endif
        }
    }

    for (int t = 0; t < TM; ++t) {
        uint ox = ox0 + uint(t);
        if (ox >= p.Wo) break;
        uint o = ((n * p.Ho + oy) * p.Wo + ox) * p.Cout;
        vec4 v = acc[t];
        if (HAS_BIAS) v += biases(g);
        if (HAS_RESIDUAL) v += residuals(o, g);
        if (RELU) v = max(v, vec4(0.0));
        store(o, g, v);
    }
}
