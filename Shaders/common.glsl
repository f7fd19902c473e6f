// Shared helpers. Included by shaders with `#include "common.glsl"` (inlined by ShaderLibrary).

// Grid-stride loop over [0, count) for 1-D launches (VulkanBackend.grid1D): each invocation handles
// indices id, id + stride, … so launches never exceed the workgroup-count limit.
#define FOR_EACH_INDEX(i, count) \
    for (uint i = gl_GlobalInvocationID.x; i < (count); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
