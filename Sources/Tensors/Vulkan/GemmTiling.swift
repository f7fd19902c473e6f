import VulkanCompute

/// Tile sizes of the tiled GEMM shaders (`gemm_tile.glsl`): a workgroup computes a `bm`×`bn` block, each
/// invocation a 4×4 sub-block, stepping K by `bk`.
struct GemmTiling {
    let bm, bn, bk: Int
    static let tm = 4, tn = 4

    var invocations: Int { (bm / Self.tm) * (bn / Self.tn) }
    var sharedBytes: Int { (bm + bn) * bk * 4 }

    /// Tiles no larger than the problem needs (16, 32 or 64 per side, 4, 8 or 16 along K), shrunk until the
    /// workgroup fits the device's invocation and shared-memory limits.
    init(rows: Int, columns: Int, depth: Int, limits: ComputeLimits, op: String) throws {
        func side(_ n: Int) -> Int { n <= 16 ? 16 : n <= 32 ? 32 : 64 }
        var (bm, bn, bk) = (side(rows), side(columns), depth <= 4 ? 4 : depth <= 8 ? 8 : 16)
        // Halving keeps the shader's divisibility rules: WG = bm·bn/16 stays a multiple of bk and bn.
        while (bm / Self.tm) * (bn / Self.tn) > Int(limits.maxWorkGroupInvocations) && bm > 16 { bm /= 2 }
        while (bm + bn) * bk * 4 > Int(limits.maxSharedMemoryBytes) && bk > 4 { bk /= 2 }
        self.bm = bm
        self.bn = bn
        self.bk = bk
        guard invocations <= Int(limits.maxWorkGroupInvocations), invocations <= Int(limits.maxWorkGroupSize.0),
              sharedBytes <= Int(limits.maxSharedMemoryBytes) else {
            throw VulkanError.limitExceeded("\(op): a \(bm)×\(bn) tile needs \(invocations) invocations and \(sharedBytes) bytes of shared memory")
        }
    }

    /// Specialization constants 0–5 of `gemm_tile.glsl`.
    var specialization: [SpecializationConstant] {
        [.uint(UInt32(invocations)), .uint(UInt32(bm)), .uint(UInt32(bn)), .uint(UInt32(bk)), .uint(UInt32(Self.tm)), .uint(UInt32(Self.tn))]
    }
}
