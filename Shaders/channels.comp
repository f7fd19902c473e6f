#version 450
#extension GL_GOOGLE_include_directive : require
// channels: last-axis layout moves. Output channel j of row r (0 ≤ j < outChannels) is
//   a[r·aChannels + aFirst + (j − aBegin)]  for aBegin ≤ j < aBegin + aTaken,
//   b[r·bChannels + (j − bBegin)]           for bBegin ≤ j < bBegin + bChannels,
//   0                                       otherwise.
// concat: aBegin 0, aTaken aChannels, aFirst 0, bBegin aChannels.  pad: aBegin = before, bChannels 0.
// slice: aBegin 0, aTaken count, aFirst start, bChannels 0.  Values are copied, never computed.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: a  [rows·aChannels]    read
//   1: b  [rows·bChannels]    read (unread when bChannels is 0; any buffer may be bound)
//   2: y  [rows·outChannels]  write
// Push constants: uint count (rows·outChannels), uint outChannels, uint aChannels, uint aBegin, uint aTaken,
//                 uint aFirst, uint bChannels, uint bBegin.
// Specialization: 0 = local size x.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { sfloat b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push {
    uint count; uint outChannels; uint aChannels; uint aBegin; uint aTaken; uint aFirst; uint bChannels; uint bBegin;
} p;

void main() {
    FOR_EACH_INDEX(i, p.count) {
        uint row = i / p.outChannels, j = i % p.outChannels;
        float v = 0.0;
        if (j >= p.aBegin && j - p.aBegin < p.aTaken) {
            v = float(a[row * p.aChannels + p.aFirst + (j - p.aBegin)]);
        } else if (j >= p.bBegin && j - p.bBegin < p.bChannels) {
            v = float(b[row * p.bChannels + (j - p.bBegin)]);
        }
        y[i] = sfloat(v); // exact: a stored value converts to float and back unchanged
    }
}
