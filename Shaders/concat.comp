#version 450
#extension GL_GOOGLE_include_directive : require
// concat: one input's part of the output of a concatenation. Viewed as [rows, ·], each row of x (sliceLength
// elements) lands in the same row of y (rowLength elements) from the input's offset in the row on. A dispatch copies
// `count` consecutive elements of x starting at column `column` of some row; with g = column + i,
//   y[(g / sliceLength)·rowLength + g mod sliceLength + shift] = x[i],
// where shift places that row's part within the bound range of y (computed modulo 2³², exact for every index
// written). VulkanConcat.swift records one or more dispatches per non-empty input. Values are copied, never
// computed.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  [count] read, the elements this dispatch copies
//   1: y  write, the range of the output they land in
// Push constants: uint count, uint column, uint sliceLength, uint rowLength, uint shift.
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push { uint count; uint column; uint sliceLength; uint rowLength; uint shift; } p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint g = p.column + i;
        y[(g / p.sliceLength) * p.rowLength + g % p.sliceLength + p.shift] = x[i];
    }
}
