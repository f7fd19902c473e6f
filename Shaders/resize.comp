#version 450
#extension GL_GOOGLE_include_directive : require
// resize: nearest, bilinear or bicubic (Keys) resampling of an NHWC tensor to any size, with TensorFlow's
// coordinates (Resize.swift); bilinear taps outside the input clamp to the edge, bicubic ones clamp or are
// excluded (CUBIC_BORDER). One invocation per output element.
//
// Bindings (set 0), sfloat storage (common.glsl); interpolation in fp32:
//   0: x  [N, inH, inW, C]    read
//   1: y  [N, outH, outW, C]  write
// Push constants: uint count (= N·outH·outW·C of this dispatch), int inH, int inW, int outH, int outW, int c,
//                 float cubicA (Keys' coefficient), float scaleY, float scaleX (Resize.scale: TensorFlow's
//                 CalculateResizeScale, rounded to fp32 on the host as TensorFlow rounds it).
// Specialization: 0 = local size x, 1 = METHOD (ResizeMethod: 0 bilinear, 1 bicubic, 2 nearest),
//                 2 = COORDINATES (ResizeCoordinates: 0 halfPixel, 1 asymmetric, 2 alignCorners),
//                 3 = CUBIC_BORDER (CubicBorder: 0 clampToEdge, 1 excludeOutside),
//                 4 = CUBIC_WEIGHTS (CubicWeights: 0 exact, 1 tensorFlowTable).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int METHOD = 0;
layout(constant_id = 2) const int COORDINATES = 0;
layout(constant_id = 3) const int CUBIC_BORDER = 0;
layout(constant_id = 4) const int CUBIC_WEIGHTS = 0;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push {
    uint count; int inH; int inW; int outH; int outW; int c; float cubicA; float scaleY; float scaleX;
} p;

// Resize.sourceCoordinate: TensorFlow's HalfPixelScaler or LegacyScaler, each operation rounded to fp32 (Vulkan
// rounds fp32 add, subtract and multiply correctly; `precise` forbids fusing them into an FMA), so the tap index
// floor(s) and the fraction s − floor(s) (exact) are the host's and TensorFlow's.
void sourcePosition(int dst, float scale, out int base, out float fraction) {
    precise float s = COORDINATES == 0 ? (float(dst) + 0.5) * scale - 0.5 : float(dst) * scale;
    precise float down = floor(s);
    base = int(down);
    fraction = s - down;
}

// Resize.nearestIndex: floor((dst + 0.5)·scale), floor(dst·scale) or roundf(dst·scale) (halves away from zero;
// GLSL's round() may round halves either way), clamped to the input.
int nearestIndex(int dst, float scale, int inSize) {
    precise float s = COORDINATES == 0 ? (float(dst) + 0.5) * scale : float(dst) * scale;
    precise float down = floor(s);
    float index = COORDINATES == 2 && s - down >= 0.5 ? down + 1.0 : down;
    return clamp(int(index), 0, inSize - 1);
}

float cubicWeight(float t) {
    float a = p.cubicA;
    float s = abs(t);
    if (s <= 1.0) return ((a + 2.0) * s - (a + 3.0)) * s * s + 1.0;
    if (s < 2.0) return ((a * s - 5.0 * a) * s + 8.0 * a) * s - 4.0 * a;
    return 0.0;
}

// The weights of taps base−1 … base+2 (distances fraction+1, fraction, 1−fraction, 2−fraction) along an axis of
// `size` pixels: with CUBIC_WEIGHTS 1 at the fraction rounded to 1/1024 (TensorFlow's table; the polynomial here in
// fp32, on the host in double), with CUBIC_BORDER 1 zero outside the axis and divided by their sum.
vec4 cubicWeights(int base, float fraction, int size) {
    if (CUBIC_WEIGHTS == 1) fraction = roundEven(fraction * 1024.0) * (1.0 / 1024.0);
    vec4 w = vec4(cubicWeight(fraction + 1.0), cubicWeight(fraction), cubicWeight(1.0 - fraction), cubicWeight(2.0 - fraction));
    if (CUBIC_BORDER == 1) {
        for (int k = 0; k < 4; ++k) {
            int tap = base + k - 1;
            if (tap < 0 || tap >= size) w[k] = 0.0;
        }
        float sum = w[0] + w[1] + w[2] + w[3];
        // 1000 × the smallest normal fp32, TensorFlow's threshold.
        if (abs(sum) >= 1000.0 * 1.17549435e-38) w *= 1.0 / sum;
    }
    return w;
}

// Element (row, col) of sample n, channel `channel`, with the indices clamped to the input.
float texel(uint n, int row, int col, uint channel) {
    row = clamp(row, 0, p.inH - 1);
    col = clamp(col, 0, p.inW - 1);
    return float(x[((n * uint(p.inH) + uint(row)) * uint(p.inW) + uint(col)) * uint(p.c) + channel]);
}

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint channel = i % uint(p.c);
        uint pixel = i / uint(p.c);
        int outCol = int(pixel % uint(p.outW));
        uint row = pixel / uint(p.outW); // n·outH + output row
        int outRow = int(row % uint(p.outH));
        uint n = row / uint(p.outH);

        if (METHOD == 2) {
            // A copy of the stored element, without conversion to fp32 and back.
            int inRow = nearestIndex(outRow, p.scaleY, p.inH), inCol = nearestIndex(outCol, p.scaleX, p.inW);
            y[i] = x[((n * uint(p.inH) + uint(inRow)) * uint(p.inW) + uint(inCol)) * uint(p.c) + channel];
            continue;
        }

        int baseRow, baseCol;
        float fy, fx;
        sourcePosition(outRow, p.scaleY, baseRow, fy);
        sourcePosition(outCol, p.scaleX, baseCol, fx);

        float value = 0.0;
        if (METHOD == 0) {
            for (int dy = 0; dy < 2; ++dy) {
                float rowValue = (1.0 - fx) * texel(n, baseRow + dy, baseCol, channel) + fx * texel(n, baseRow + dy, baseCol + 1, channel);
                value += (dy == 0 ? 1.0 - fy : fy) * rowValue;
            }
        } else {
            vec4 wx = cubicWeights(baseCol, fx, p.inW);
            vec4 wy = cubicWeights(baseRow, fy, p.inH);
            for (int dy = 0; dy < 4; ++dy) {
                float rowValue = 0.0;
                for (int dx = 0; dx < 4; ++dx) {
                    rowValue += wx[dx] * texel(n, baseRow + dy - 1, baseCol + dx - 1, channel);
                }
                value += wy[dy] * rowValue;
            }
        }
        y[i] = sfloat(value);
    }
}
