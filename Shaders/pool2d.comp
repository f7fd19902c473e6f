#version 450
#extension GL_GOOGLE_include_directive : require
// pool2d: max or average pooling of an NHWC tensor over a square WINDOW with STRIDE. Padded positions are
// skipped: max ignores them and average divides by the number of in-image pixels (TensorFlow's rule).
// Every window holds at least one in-image pixel (Pool2D.geometry keeps SAME and explicit padding < WINDOW).
//
// Bindings (set 0), sfloat storage (common.glsl); averages sum in fp32:
//   0: x  [N, H, W, C]    read
//   1: y  [N, Ho, Wo, C]  write
// Push constants: uint count (= N·Ho·Wo·C of this dispatch), int h, int w, int c, int outH, int outW,
//                 int padTop, int padLeft.
// Specialization: 0 = local size x, 1 = KIND (PoolKind: 0 max, 1 average), 2 = WINDOW, 3 = STRIDE.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int KIND = 0;
layout(constant_id = 2) const int WINDOW = 2;
layout(constant_id = 3) const int STRIDE = 2;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; int h; int w; int c; int outH; int outW; int padTop; int padLeft; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint channel = i % uint(p.c);
        uint pixel = i / uint(p.c);
        int outCol = int(pixel % uint(p.outW));
        uint row = pixel / uint(p.outW); // n·outH + output row
        int outRow = int(row % uint(p.outH));
        uint n = row / uint(p.outH);

        int rowStart = outRow * STRIDE - p.padTop, colStart = outCol * STRIDE - p.padLeft;
        int rowBegin = max(rowStart, 0), rowEnd = min(rowStart + WINDOW, p.h);
        int colBegin = max(colStart, 0), colEnd = min(colStart + WINDOW, p.w);
        float result = KIND == 0 ? -1.0 / 0.0 : 0.0;
        for (int r = rowBegin; r < rowEnd; ++r) {
            for (int col = colBegin; col < colEnd; ++col) {
                float v = float(x[((n * uint(p.h) + uint(r)) * uint(p.w) + uint(col)) * uint(p.c) + channel]);
                result = KIND == 0 ? max(result, v) : result + v;
            }
        }
        if (KIND == 1) result /= float((rowEnd - rowBegin) * (colEnd - colBegin));
        y[i] = sfloat(result);
    }
}
