#version 450
#extension GL_GOOGLE_include_directive : require
// rearrange: an index-mapped copy (transpose, strided slice, tile, constant padding), over the merged layout of
// RearrangeLayout (Ops/Rearrange.swift). y's index i (within the dispatch) is split into coordinates over the axes,
// innermost last; axis 0's coordinate is firstRow + what remains (the dispatch writes rows firstRow… of axis 0).
// Each coordinate o is reduced to m = o mod period[axis]; when every m lies in [validBegin, validEnd) of its axis,
// y[i] = x[base + Σ m·stride[axis]], else y[i] is the fill value. Offsets are computed modulo 2³² (strides and base
// are two's complement), which gives the exact offset of every element that is read. Values are copied, never
// computed: exact in both storage precisions.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  read, the input range the dispatch reads (base is relative to its start; any buffer when nothing is read)
//   1: y  [count] write, the dispatch's rows of the output
// Push constants (32 words, the 128 bytes every Vulkan device provides): uint count, uint base, uint firstRow,
//   uint size[MAX_AXES − 1] (axes 1…, axis 0's size is implied), uint period[MAX_AXES], uint validBegin[MAX_AXES],
//   uint validEnd[MAX_AXES], uint stride[MAX_AXES]; outermost axis first, unused inner axes of size 1 (period 1,
//   valid [0, 1), stride 0).
// Specialization: 0 = local size x, 1 = FILL_BITS, the fill value's IEEE bits (so that −0.0 and NaN stay distinct
//   pipeline keys and values).
#include "common.glsl"

#define MAX_AXES 6 // Rearrangement.maxMergedAxes

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FILL_BITS = 0u;

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push {
    uint count;
    uint base;
    uint firstRow;
    uint size[MAX_AXES - 1];
    uint period[MAX_AXES];
    uint validBegin[MAX_AXES];
    uint validEnd[MAX_AXES];
    uint stride[MAX_AXES];
} p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint rest = i;
        uint offset = p.base;
        bool inside = true;
        for (int axis = MAX_AXES - 1; axis >= 0; --axis) {
            uint o;
            if (axis > 0) {
                o = rest % p.size[axis - 1];
                rest /= p.size[axis - 1];
            } else {
                o = p.firstRow + rest;
            }
            uint m = o % p.period[axis];
            inside = inside && m >= p.validBegin[axis] && m < p.validEnd[axis];
            offset += m * p.stride[axis];
        }
        if (inside) {
            y[i] = x[offset];
        } else {
            y[i] = sfloat(uintBitsToFloat(FILL_BITS));
        }
    }
}
