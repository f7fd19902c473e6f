// Shared-memory tile and register blocking of the tiled GEMM shaders (matmul.comp, conv2d.comp).
//
// A workgroup computes a BM×BN block of C = A·B, walking K in steps of BK: all invocations stage an A tile
// (BK×BM, k-major) and a B tile (BK×BN) in shared memory, then each invocation accumulates a TM×TN micro-tile
// in registers. The tiles are vec4 arrays, so per k an invocation reads TM/4 + TN/4 vec4s for TM·TN
// multiply-adds. Its rows are TM/4 groups of 4 consecutive rows, BM/TM·4 apart (columns likewise, BN/TN·4
// apart): neighbouring invocations read neighbouring vec4s of a tile and write neighbouring vec4s of C.
// Host rules (GemmTiling.swift): BM, BN, BK powers of two, BK ≥ 4, TM and TN 4 or 8, WG = (BM/TM)·(BN/TN)
// a multiple of BK.
//
// A_VEC4 (defined by the host when A's K axis is a multiple of 4 and contiguous in memory): each invocation
// loads A in vec4s of 4 consecutive k; otherwise in floats.
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
const uint THREADS_M = BM / TM; // invocations along a tile column
const uint THREADS_N = BN / TN; // invocations along a tile row

#ifdef A_VEC4
const uint VA = 4;
#else
const uint VA = 1;
#endif
// A staging: invocation t loads k = (t % A_SPAN)·VA … +VA−1 of tile rows t / A_SPAN + p·A_ROWS_PER_PASS.
const uint A_SPAN = BK / VA;
const uint A_ROWS_PER_PASS = WG / A_SPAN;
const uint A_PASSES = (BM + A_ROWS_PER_PASS - 1) / A_ROWS_PER_PASS;

shared vec4 tileA[BK * BM / 4]; // element (k, m) at tileA[k·BM/4 + m/4][m % 4]
shared vec4 tileB[BK * BN / 4]; // element (k, n) at tileB[k·BN/4 + n/4][n % 4]

vec4 acc[TM * TN / 4]; // acc[i·TN/4 + g]: micro-tile row i, columns microCol(4g) … +3

uint threadCol() { return gl_LocalInvocationIndex % THREADS_N; }
uint threadRow() { return gl_LocalInvocationIndex / THREADS_N; }
// Tile row of micro-tile row i (0 ≤ i < TM) and tile column of micro-tile column j (0 ≤ j < TN).
uint microRow(uint i) { return (i / 4) * THREADS_M * 4 + threadRow() * 4 + i % 4; }
uint microCol(uint j) { return (j / 4) * THREADS_N * 4 + threadCol() * 4 + j % 4; }

void stageA(uint k, uint m, float v) { tileA[k * (BM / 4) + m / 4][m % 4] = v; }
void stageB(uint k, uint n, float v) { tileB[k * (BN / 4) + n / 4][n % 4] = v; }
// Four consecutive columns n … n+3 (n % 4 == 0).
void stageB4(uint k, uint n, vec4 v) { tileB[k * (BN / 4) + n / 4] = v; }

void clearAccumulators() {
    for (uint i = 0; i < TM * TN / 4; ++i) acc[i] = vec4(0.0);
}

// acc += tileA · tileB for the staged K step.
void multiplyTiles() {
    const uint r = threadRow(), c = threadCol();
    vec4 a[TM / 4];
    vec4 b[TN / 4];
    for (uint k = 0; k < BK; ++k) {
        for (uint g = 0; g < TM / 4; ++g) a[g] = tileA[k * (BM / 4) + g * THREADS_M + r];
        for (uint g = 0; g < TN / 4; ++g) b[g] = tileB[k * (BN / 4) + g * THREADS_N + c];
        for (uint i = 0; i < TM; ++i) {
            vec4 ai = vec4(a[i / 4][i % 4]);
            for (uint g = 0; g < TN / 4; ++g) acc[i * (TN / 4) + g] = fma(ai, b[g], acc[i * (TN / 4) + g]);
        }
    }
}
