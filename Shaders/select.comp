#version 450
#extension GL_GOOGLE_include_directive : require
// select: y = condition != 0 ? a : b elementwise (TensorFlow's SelectV2; VulkanSelect.swift). A NaN condition is not
// 0, so it picks a; −0 is 0. The chosen element passes through fp32 unchanged (every half is a float), so the result is
// exact; no value is of a 16-bit type outside storage, so fp16 storage needs no Float16 arithmetic.
// Equal element layouts read condition[i], a[i] and b[i]. With BROADCAST, the three are broadcast to y's shape
// through Select.broadcast's merged layout: y's index i (within the chunk) is split into coordinates over `dims`,
// innermost last, and each operand is read at its offset + Σ coordinate·stride, a stride of 0 stretching it.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: condition  [count] read; BROADCAST: the elements its offset and strides address
//   1: a          [count] read; BROADCAST: likewise
//   2: b          [count] read; BROADCAST: likewise
//   3: y          [count] write
// Push constants: uint count; BROADCAST adds uint rank (merged axes in use), uint conditionOffset, uint aOffset,
//   uint bOffset, uint dims[MAX_AXES], uint conditionStride[MAX_AXES], uint aStride[MAX_AXES],
//   uint bStride[MAX_AXES] (outermost axis first; dims[0] is the whole output's, the chunk's rows are counted from 0).
// Specialization: 0 = local size x.
#include "common.glsl"

#define MAX_AXES 6 // Select.maxMergedAxes

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Condition { sfloat condition[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { sfloat a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { sfloat b[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { sfloat y[]; };
#ifdef BROADCAST
layout(push_constant) uniform Push {
    uint count;
    uint rank;
    uint conditionOffset;
    uint aOffset;
    uint bOffset;
    uint dims[MAX_AXES];
    uint conditionStride[MAX_AXES];
    uint aStride[MAX_AXES];
    uint bStride[MAX_AXES];
} p;
#else
layout(push_constant) uniform Push { uint count; } p;
#endif

// Whether a stored condition picks a: any bits but the sign's set, so NaN and subnormals pick a and ±0 picks b. An
// integer test, so it holds whether or not the driver keeps NaNs and subnormals in float comparisons.
bool picksA(float c) { return (floatBitsToUint(c) & 0x7FFFFFFFu) != 0u; }

void main() {
    FOR_EACH_INDEX(i, p.count) {
#ifdef BROADCAST
        uint rest = i;
        uint ic = p.conditionOffset;
        uint ia = p.aOffset;
        uint ib = p.bOffset;
        for (int axis = int(p.rank) - 1; axis > 0; --axis) {
            uint coordinate = rest % p.dims[axis];
            rest /= p.dims[axis];
            ic += coordinate * p.conditionStride[axis];
            ia += coordinate * p.aStride[axis];
            ib += coordinate * p.bStride[axis];
        }
        ic += rest * p.conditionStride[0]; // the row within the chunk
        ia += rest * p.aStride[0];
        ib += rest * p.bStride[0];
        y[i] = sfloat(picksA(float(condition[ic])) ? float(a[ia]) : float(b[ib]));
#else
        y[i] = sfloat(picksA(float(condition[i])) ? float(a[i]) : float(b[i]));
#endif
    }
}
