#version 450
#extension GL_GOOGLE_include_directive : require
// reduce: y[o] = OP over r of x[keptOffset(o) + reducedOffset(r)], accumulated in fp32 (VulkanReduce.swift).
// Reduce.layout merges x's axes into at most MAX_GROUPS groups of kept and of reduced axes; an output index o is
// split into coordinates over the kept groups and a reduced index r over the reduced groups, innermost last, and each
// coordinate moves by its group's stride in x. Reducing H and W of NHWC is one reduced group of H·W, stride C.
//
// Sums are blocked: terms are added BLOCK at a time into a block sum and the block sums into the total, so no term
// passes through more than (BLOCK − 1) + ⌈terms/BLOCK⌉ roundings. max and min return NaN when any element is NaN
// (tested with isnan: GLSL leaves max(NaN, x) undefined). Over zero elements the backend does not dispatch this
// shader: it uploads ReduceOp.resultOverNoElements.
//
// Default variant: one invocation per output element, reducing sequentially (neighbouring invocations read
// neighbouring kept elements, so loads coalesce when the innermost merged axis is kept).
// WORKGROUP_PER_OUTPUT: each workgroup reduces OUTPUTS_PER_GROUP outputs, each with LANES = local size /
// OUTPUTS_PER_GROUP invocations (lanes); lane l reduces the elements r = l, l + LANES, … as above, and the lanes'
// results are combined by a tree in shared memory (log2 LANES more roundings). LANES_INNERMOST makes the lane the
// fast-varying part of the invocation index (neighbouring invocations read neighbouring reduced elements: for an
// innermost reduced axis), otherwise the output is (for an innermost kept axis). Groups stride over the outputs.
//
// Bindings (set 0), sfloat storage (common.glsl):
//   0: x  the elements the offsets address, from the first row of this dispatch's chunk   read
//   1: y  [outputOffset + outputs]                                                        write
// Push constants: uint outputs (of this dispatch), uint outputOffset (where they start in y), uint reducedCount
//   (elements per output, ≥ 2), uint keptRank, uint reducedRank (≥ 1), uint keptDims[MAX_GROUPS],
//   uint keptStrides[MAX_GROUPS], uint reducedDims[MAX_GROUPS], uint reducedStrides[MAX_GROUPS] (outermost group
//   first; the outermost kept group's coordinate is not wrapped, so a chunk of its rows counts them from 0).
// Specialization: 0 = local size x (a power of two), 1 = OP (0 sum, 1 mean, 2 max, 3 min);
//   WORKGROUP_PER_OUTPUT adds 2 = OUTPUTS_PER_GROUP (a power of two dividing the local size), 3 = LANES_INNERMOST.
#include "common.glsl"

#define MAX_GROUPS 4 // Reduce.maxMergedGroups
#define BLOCK 64u

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;
#ifdef WORKGROUP_PER_OUTPUT
layout(constant_id = 2) const uint OUTPUTS_PER_GROUP = 1;
layout(constant_id = 3) const bool LANES_INNERMOST = true;
#endif

layout(std430, set = 0, binding = 0) readonly buffer X { sfloat x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform Push {
    uint outputs;
    uint outputOffset;
    uint reducedCount;
    uint keptRank;
    uint reducedRank;
    uint keptDims[MAX_GROUPS];
    uint keptStrides[MAX_GROUPS];
    uint reducedDims[MAX_GROUPS];
    uint reducedStrides[MAX_GROUPS];
} p;

#define INFINITY uintBitsToFloat(0x7F800000u)

// The start value: 0 for sums, −inf for max, +inf for min.
float identity() { return OP == 2 ? -INFINITY : (OP == 3 ? INFINITY : 0.0); }

// Adds, or keeps the larger (smaller); a NaN, once taken, stays, since every comparison with it is false.
float combine(float total, float v) {
    if (OP == 2) return isnan(v) || v > total ? v : total;
    if (OP == 3) return isnan(v) || v < total ? v : total;
    return total + v;
}

float finish(float total) { return OP == 1 ? total / float(p.reducedCount) : total; }

// Where output element o starts in x.
uint keptOffset(uint o) {
    if (p.keptRank == 0u) return 0u;
    uint offset = 0u;
    for (int g = int(p.keptRank) - 1; g > 0; --g) {
        offset += (o % p.keptDims[g]) * p.keptStrides[g];
        o /= p.keptDims[g];
    }
    return offset + o * p.keptStrides[0];
}

// Where reduced element r lies from its output element's start.
uint reducedOffset(uint r) {
    uint offset = 0u;
    for (int g = int(p.reducedRank) - 1; g > 0; --g) {
        offset += (r % p.reducedDims[g]) * p.reducedStrides[g];
        r /= p.reducedDims[g];
    }
    return offset + r * p.reducedStrides[0];
}

// Reduces the elements first, first + step, … of the output element starting at base, in blocks of BLOCK.
float reduceStrided(uint base, uint first, uint step) {
    float total = identity();
    float block = identity();
    uint inBlock = 0u;
    for (uint r = first; r < p.reducedCount; r += step) {
        block = combine(block, float(x[base + reducedOffset(r)]));
        if (++inBlock == BLOCK) {
            total = combine(total, block);
            block = identity();
            inBlock = 0u;
        }
    }
    return combine(total, block);
}

#ifdef WORKGROUP_PER_OUTPUT
const uint LANES = gl_WorkGroupSize.x / OUTPUTS_PER_GROUP;

shared float partial[gl_WorkGroupSize.x];

// The invocation (and shared slot) of the group's output `slot` and lane `lane`.
uint invocation(uint slot, uint lane) { return LANES_INNERMOST ? slot * LANES + lane : lane * OUTPUTS_PER_GROUP + slot; }

void main() {
    uint id = gl_LocalInvocationID.x;
    uint slot = LANES_INNERMOST ? id / LANES : id % OUTPUTS_PER_GROUP;
    uint lane = LANES_INNERMOST ? id % LANES : id / OUTPUTS_PER_GROUP;
    uint groups = (p.outputs + OUTPUTS_PER_GROUP - 1u) / OUTPUTS_PER_GROUP;
    for (uint group = gl_WorkGroupID.x; group < groups; group += gl_NumWorkGroups.x) {
        uint o = group * OUTPUTS_PER_GROUP + slot;
        partial[id] = o < p.outputs ? reduceStrided(keptOffset(o), lane, LANES) : identity();
        for (uint width = LANES / 2u; width > 0u; width /= 2u) {
            barrier();
            if (lane < width) {
                partial[id] = combine(partial[id], partial[invocation(slot, lane + width)]);
            }
        }
        if (lane == 0u && o < p.outputs) y[p.outputOffset + o] = sfloat(finish(partial[id])); // lane 0 wrote partial[id] last
        barrier(); // every lane 0 has read its slot before the next group overwrites partial
    }
}
#else
void main() {
    FOR_EACH_INDEX(o, p.outputs) {
        y[p.outputOffset + o] = sfloat(finish(reduceStrided(keptOffset(o), 0u, 1u)));
    }
}
#endif
