// Shared helpers. Included by shaders with `#include "common.glsl"` (inlined by ShaderLibrary).

// Grid-stride loop over [0, count) for 1-D launches (VulkanBackend.grid1D): each invocation handles
// indices id, id + stride, … so launches never exceed the workgroup-count limit.
#define FOR_EACH_INDEX(i, count) \
    for (uint i = gl_GlobalInvocationID.x; i < (count); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Storage type of tensor elements: fp32, or fp16 when the backend stores tensors in half precision
// (STORAGE_FP16 defined by VulkanBackend). Arithmetic is always fp32: shaders read `float(x[i])` /
// `vec4(w[i])` and write `sfloat(v)` / `svec4(v)`, which are no-ops in fp32.
#ifdef STORAGE_FP16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define sfloat float16_t
#define svec4 f16vec4
#else
#define sfloat float
#define svec4 vec4
#endif
