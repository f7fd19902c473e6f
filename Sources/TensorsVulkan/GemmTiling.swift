import Foundation
import Tensors
import VulkanCompute

/// Tile sizes of the tiled GEMM shaders (`gemm_tile.glsl`): a workgroup computes a `bm`×`bn` block, stepping
/// K by `bk`, and each invocation a `tm`×`tn` micro-tile held in registers.
struct GemmTiling {
    let bm, bn, bk: Int
    /// Micro-tile rows and columns: 8 along a 128-wide tile side, else 4, so 64×64, 128×64 and 128×128 tiles
    /// all run 256 invocations and the bigger tiles do 2–4× the multiply-adds per shared-memory read.
    var tm: Int { Self.microTile(bm) }
    var tn: Int { Self.microTile(bn) }
    static func microTile(_ side: Int) -> Int { side >= 128 ? 8 : 4 }

    var invocations: Int { Self.invocations(bm, bn) }
    static func invocations(_ bm: Int, _ bn: Int) -> Int { (bm / microTile(bm)) * (bn / microTile(bn)) }
    /// Shared tiles are fp32 whatever the storage type.
    var sharedBytes: Int { (bm + bn) * bk * 4 }

    /// Tiles no larger than the problem needs (16, 32, 64 or 128 per side, 4, 8 or 16 along K). A 128 side is
    /// halved while the grid (times `items` independent products) has fewer than two workgroups per compute unit,
    /// so big tiles never idle a device that smaller ones would fill. Then shrunk until the workgroup fits the
    /// invocation and shared-memory limits.
    init(rows: Int, columns: Int, depth: Int, items: Int = 1, device: PhysicalDevice, op: String) throws {
        let limits = device.limits
        func side(_ n: Int) -> Int { n <= 16 ? 16 : n <= 32 ? 32 : n <= 64 ? 64 : 128 }
        var (bm, bn, bk) = (side(rows), side(columns), depth <= 4 ? 4 : depth <= 8 ? 8 : 16)
        func workgroups() -> Int { ((rows + bm - 1) / bm) * ((columns + bn - 1) / bn) * items }
        while max(bm, bn) == 128, workgroups() < 2 * Self.computeUnits(device) {
            if bn >= bm { bn /= 2 } else { bm /= 2 }
        }
        while Self.invocations(bm, bn) > Int(limits.maxWorkGroupInvocations) && bm > 16 { bm /= 2 }
        while (bm + bn) * bk * 4 > Int(limits.maxSharedMemoryBytes) && bk > 4 { bk /= 2 }
        self.bm = bm
        self.bn = bn
        self.bk = bk
        // The shader's staging needs WG a multiple of BK; powers of two ≥ 16 invocations and BK ≤ 16 give it.
        guard invocations <= Int(limits.maxWorkGroupInvocations), invocations <= Int(limits.maxWorkGroupSize.0),
            invocations % bk == 0, sharedBytes <= Int(limits.maxSharedMemoryBytes)
        else {
            throw VulkanError.limitExceeded(
                "\(op): a \(bm)×\(bn) tile needs \(invocations) invocations and \(sharedBytes) bytes of shared memory")
        }
    }

    /// Vulkan does not report multiprocessor counts: a CPU device has one per core; for GPUs we assume the
    /// largest current ones (132 SMs on an H100); on smaller GPUs that only makes big tiles wait for bigger problems.
    static func computeUnits(_ device: PhysicalDevice) -> Int {
        device.kind == .cpu ? ProcessInfo.processInfo.activeProcessorCount : 132
    }

    /// Specialization constants 0–5 of `gemm_tile.glsl`.
    var specialization: [SpecializationConstant] {
        [
            .uint(UInt32(invocations)), .uint(UInt32(bm)), .uint(UInt32(bn)), .uint(UInt32(bk)), .uint(UInt32(tm)),
            .uint(UInt32(tn)),
        ]
    }

    /// The shaders' vec4 switches: `A_VEC4` when A's contiguous K axis is a multiple of 4, `B_VEC4` likewise for
    /// B's contiguous axis, `C_VEC4` when the output's N axis is (bias, residual and output are then vec4s).
    static func vectorDefines(a: Int, b: Int, c: Int) -> [KernelDescriptor.Define] {
        [("A_VEC4", a), ("B_VEC4", b), ("C_VEC4", c)].filter { $0.1 % 4 == 0 }.map {
            KernelDescriptor.Define($0.0, "1")
        }
    }
}
