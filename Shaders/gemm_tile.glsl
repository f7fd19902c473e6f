// Shared-memory tile and register blocking of the tiled GEMM shaders (matmul.comp, conv2d.comp).
//
// A workgroup computes a BM×BN block of C = A·B, walking K in steps of BK: all invocations stage an A tile
// (BK×BM, k-major) and a B tile (BK×BN) in shared memory, then each invocation accumulates its TM×TN
// sub-block in registers. The host picks sizes with WG = (BM/TM)·(BN/TN) invocations, WG a multiple of BK
// and BN, and BM·BK, BK·BN multiples of WG, so every invocation loads a fixed set of rows/columns.
//
// Specialization constants 0–5 (the including shader numbers its own from 6):
//   0: WG (local size x)  1: BM  2: BN  3: BK  4: TM  5: TN

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

const uint WG = gl_WorkGroupSize.x;
const uint A_LOADS = BM * BK / WG; // A-tile elements each invocation stages
const uint B_LOADS = BK * BN / WG; // B-tile elements each invocation stages

shared float tileA[BK * BM]; // tileA[k·BM + m]
shared float tileB[BK * BN]; // tileB[k·BN + n]

float acc[TM * TN];

// This invocation's TM×TN block starts at row threadRow()·TM and column threadCol()·TN of the tile.
uint threadCol() { return gl_LocalInvocationIndex % (BN / TN); }
uint threadRow() { return gl_LocalInvocationIndex / (BN / TN); }

// acc += tileA · tileB for the staged K step.
void multiplyTiles() {
    uint m0 = threadRow() * TM, n0 = threadCol() * TN;
    float a[TM];
    float b[TN];
    for (uint k = 0; k < BK; ++k) {
        for (uint i = 0; i < TM; ++i) a[i] = tileA[k * BM + m0 + i];
        for (uint j = 0; j < TN; ++j) b[j] = tileB[k * BN + n0 + j];
        for (uint i = 0; i < TM; ++i)
            for (uint j = 0; j < TN; ++j) acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
    }
}
