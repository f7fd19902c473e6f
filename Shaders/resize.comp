#version 450
#extension GL_GOOGLE_include_directive : require
// resize: bilinear or bicubic (Keys) resampling of an NHWC tensor to any size; taps outside the input
// clamp to the edge. One invocation per output element.
//
// Bindings (set 0), sfloat storage (common.glsl); interpolation in fp32:
//   0: x  [N, inH, inW, C]    read
//   1: y  [N, outH, outW, C]  write
// Push constants: uint count (= N·outH·outW·C of this dispatch), int inH, int inW, int outH, int outW, int c,
//                 float cubicA (Keys' coefficient).
// Specialization: 0 = local size x, 1 = METHOD (ResizeMethod: 0 bilinear, 1 bicubic),
//                 2 = COORDINATES (ResizeCoordinates: 0 halfPixel, 1 asymmetric, 2 alignCorners).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int METHOD = 0;
layout(constant_id = 2) const int COORDINATES = 0;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; int inH; int inW; int outH; int outW; int c; float cubicA; } p;

// The source coordinate of Resize.sourceCoordinate as num/den with integers, so that the tap index
// floor(num/den) is exact; only the fraction is rounded. (A float division may be computed as a·(1/b),
// which could move an exact integer coordinate just below it and change the taps.)
void sourcePosition(int dst, int inSize, int outSize, out int base, out float fraction) {
    int num, den;
    if (COORDINATES == 0) {
        num = (2 * dst + 1) * inSize - outSize; // (dst + 0.5)·in/out − 0.5
        den = 2 * outSize;
    } else if (COORDINATES == 1) {
        num = dst * inSize;
        den = outSize;
    } else {
        num = outSize > 1 ? dst * (inSize - 1) : 0;
        den = max(outSize - 1, 1);
    }
    base = num >= 0 ? num / den : -((den - 1 - num) / den); // floor division
    fraction = float(num - base * den) / float(den);
}

float cubicWeight(float t) {
    float a = p.cubicA;
    float s = abs(t);
    if (s <= 1.0) return ((a + 2.0) * s - (a + 3.0)) * s * s + 1.0;
    if (s < 2.0) return ((a * s - 5.0 * a) * s + 8.0 * a) * s - 4.0 * a;
    return 0.0;
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

        int baseRow, baseCol;
        float fy, fx;
        sourcePosition(outRow, p.inH, p.outH, baseRow, fy);
        sourcePosition(outCol, p.inW, p.outW, baseCol, fx);

        float value = 0.0;
        if (METHOD == 0) {
            for (int dy = 0; dy < 2; ++dy) {
                float rowValue = (1.0 - fx) * texel(n, baseRow + dy, baseCol, channel) + fx * texel(n, baseRow + dy, baseCol + 1, channel);
                value += (dy == 0 ? 1.0 - fy : fy) * rowValue;
            }
        } else {
            // Taps base−1 … base+2 at distances fraction+1, fraction, 1−fraction, 2−fraction.
            vec4 wx = vec4(cubicWeight(fx + 1.0), cubicWeight(fx), cubicWeight(1.0 - fx), cubicWeight(2.0 - fx));
            vec4 wy = vec4(cubicWeight(fy + 1.0), cubicWeight(fy), cubicWeight(1.0 - fy), cubicWeight(2.0 - fy));
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
