import Testing

@testable import VulkanCompute

@Suite("memory arena")
struct MemoryArenaTests {
    @Test func subAllocatesAlignedAndReusesFreedRanges() throws {
        let context = try EngineFixture.context.get()
        let arena = try MemoryArena(context: context, kind: .device, blockSize: 1 << 20)
        let alignment = max(context.limits.minStorageBufferOffsetAlignment, 16)
        let a = try arena.allocate(bytes: 100)
        let b = try arena.allocate(bytes: 1000)
        #expect(a.block === b.block, "small allocations share one block")
        #expect(a.offset % alignment == 0 && b.offset % alignment == 0)
        #expect(b.offset >= a.offset + 100)
        var c: DeviceAllocation? = try arena.allocate(bytes: 4000)
        let freedOffset = c!.offset
        c = nil
        let d = try arena.allocate(bytes: 4000)
        #expect(d.block === a.block && d.offset == freedOffset, "a freed range is reused at once")
        #expect(arena.usage.reserved == 1 << 20)
        #expect(arena.blocksAllocated == 1)
    }

    @Test func coalescesSoAFullBlockFitsAgain() throws {
        let context = try EngineFixture.context.get()
        let arena = try MemoryArena(context: context, kind: .device, blockSize: 1 << 20)
        do {
            let parts = try (0 ..< 4).map { _ in try arena.allocate(bytes: 1 << 18) }
            #expect(Set(parts.map { ObjectIdentifier($0.block) }).count == 1)
        }
        #expect(arena.usage.inUse == 0)
        let whole = try arena.allocate(bytes: 1 << 20)
        #expect(arena.usage.reserved == 1 << 20, "the freed quarters merged back into one range")
        _ = whole
    }

    @Test func largeRequestsGetTheirOwnBlockAndImpossibleOnesThrow() throws {
        let context = try EngineFixture.context.get()
        let arena = try MemoryArena(context: context, kind: .device, blockSize: 1 << 20)
        let big = try arena.allocate(bytes: 3 << 20)
        #expect(big.block.size >= 3 << 20)
        #expect(arena.blocksAllocated == 1)
        _ = try arena.allocate(bytes: 100)
        #expect(arena.blocksAllocated == 2, "the big request's block is full, so a small one needs another")
        let limit = min(context.limits.maxMemoryAllocationSize, context.limits.maxBufferSize)
        #expect(throws: VulkanError.self) { try arena.allocate(bytes: Int(limit) + 1) }
    }
}
