import CVulkan
import Synchronization

/// One `VkDeviceMemory` allocation with a single `VkBuffer` spanning it; tensors are ranges inside.
/// Freed in `deinit`, which runs only when no allocation, arena or pending recording holds it (a recording keeps
/// its blocks until its fence signals, since optimised builds may release objects right after their last Swift use).
public final class MemoryBlock: @unchecked Sendable {
    let context: VulkanContext
    let memory: VkDeviceMemory
    let buffer: VkBuffer
    public let size: UInt64
    /// Persistent mapping when the memory type is host-visible and coherent.
    let mapped: UnsafeMutableRawPointer?
    /// Free ranges (offset, size), sorted by offset; guarded by the owning arena's lock.
    fileprivate var free: [(offset: UInt64, size: UInt64)]

    init(context: VulkanContext, size: UInt64, memoryType: UInt32, map: Bool) throws {
        let vk = context.vk
        let device = context.device
        self.context = context
        self.size = size
        var bufferInfo = VkBufferCreateInfo()
        bufferInfo.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        bufferInfo.size = size
        bufferInfo.usage =
            VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        bufferInfo.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try check(vk.createBuffer(device, &bufferInfo, nil, &buffer), "vkCreateBuffer(\(size) bytes)")
        guard let buffer else { throw VulkanError.call("vkCreateBuffer", -3) }
        var requirements = VkMemoryRequirements()
        vk.getBufferMemoryRequirements(device, buffer, &requirements)
        guard requirements.memoryTypeBits & (1 << memoryType) != 0 else {
            vk.destroyBuffer(device, buffer, nil)
            throw VulkanError.outOfMemory("no suitable memory type for storage buffers")
        }
        var allocateInfo = VkMemoryAllocateInfo()
        allocateInfo.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocateInfo.allocationSize = requirements.size
        allocateInfo.memoryTypeIndex = memoryType
        var memory: VkDeviceMemory?
        let result = vk.allocateMemory(device, &allocateInfo, nil, &memory)
        guard result.rawValue == 0, let memory else {
            vk.destroyBuffer(device, buffer, nil)
            throw VulkanError.outOfMemory(
                "allocating \(Self.format(size)) of device memory failed (\(VulkanError.resultName(result.rawValue)))")
        }
        var mapped: UnsafeMutableRawPointer?
        if let error = Self.bindAndMap(vk, device, buffer, memory, map: map, into: &mapped) {
            vk.destroyBuffer(device, buffer, nil)
            vk.freeMemory(device, memory, nil)
            throw error
        }
        self.mapped = mapped
        self.memory = memory
        self.buffer = buffer
        self.free = [(0, size)]
    }

    private static func bindAndMap(
        _ vk: DeviceFunctions, _ device: VkDevice, _ buffer: VkBuffer, _ memory: VkDeviceMemory,
        map: Bool, into mapped: inout UnsafeMutableRawPointer?
    ) -> VulkanError? {
        let bind = vk.bindBufferMemory(device, buffer, memory, 0)
        if bind.rawValue != 0 { return .call("vkBindBufferMemory", bind.rawValue) }
        mapped = nil
        guard map else { return nil }
        var pointer: UnsafeMutableRawPointer?
        let result = vk.mapMemory(device, memory, 0, UInt64(VK_WHOLE_SIZE), 0, &pointer)
        if result.rawValue != 0 { return .call("vkMapMemory", result.rawValue) }
        mapped = pointer
        return nil
    }

    deinit {
        let vk = context.vk
        if mapped != nil { vk.unmapMemory(context.device, memory) }
        vk.destroyBuffer(context.device, buffer, nil)
        vk.freeMemory(context.device, memory, nil)
    }

    static func format(_ bytes: UInt64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}

/// A range of a `MemoryBlock`; returns itself to the arena when released.
public final class DeviceAllocation: @unchecked Sendable {
    public let block: MemoryBlock
    public let offset: UInt64
    /// Bytes requested (the reserved range may be larger for alignment).
    public let size: UInt64
    fileprivate let reserved: UInt64
    private let arena: MemoryArena

    fileprivate init(block: MemoryBlock, offset: UInt64, size: UInt64, reserved: UInt64, arena: MemoryArena) {
        self.block = block
        self.offset = offset
        self.size = size
        self.reserved = reserved
        self.arena = arena
    }

    deinit { arena.release(block: block, offset: offset, size: reserved) }

    /// Host pointer to this range, when the memory is mapped.
    public var mappedPointer: UnsafeMutableRawPointer? { block.mapped.map { $0 + Int(offset) } }
}

/// Sub-allocates tensors from a few large blocks (first fit, coalescing), aligned to the device's
/// storage-buffer offset alignment.
///
/// A released range is reusable at once, also by work recorded later in the same command buffer: the
/// recorder's hazard tracking works on address ranges, so reuse gets the barrier it needs. Host writes
/// into recycled ranges are the caller's concern (`VulkanBackend` writes through the mapping only when no recorded
/// command is pending, else through staging memory and a recorded copy).
public final class MemoryArena: @unchecked Sendable {
    public enum Kind: Sendable { case device, staging }

    public let context: VulkanContext
    public let kind: Kind
    public let blockSize: UInt64
    let alignment: UInt64
    let memoryType: UInt32
    /// Whether ranges can be written and read through a host pointer.
    public let isHostVisible: Bool
    private let state = Mutex<(blocks: [MemoryBlock], inUse: UInt64)>(([], 0))

    public init(context: VulkanContext, kind: Kind, blockSize: UInt64 = 256 << 20) throws {
        self.context = context
        self.kind = kind
        let limits = context.limits
        self.blockSize = min(blockSize, limits.maxMemoryAllocationSize, limits.maxBufferSize)
        self.alignment = max(limits.minStorageBufferOffsetAlignment, 16)
        var properties = VkPhysicalDeviceMemoryProperties()
        context.instance.vk.getPhysicalDeviceMemoryProperties(context.physicalDevice.handle, &properties)
        let types = withUnsafeBytes(of: properties.memoryTypes) { raw in
            Array(raw.bindMemory(to: VkMemoryType.self).prefix(Int(properties.memoryTypeCount)))
        }
        let deviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        let hostVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        let hostCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue
        func first(_ required: UInt32, _ excluded: UInt32 = 0) -> Int? {
            types.firstIndex { $0.propertyFlags & required == required && $0.propertyFlags & excluded == 0 }
        }
        let chosen: Int?
        switch kind {
        case .device: chosen = first(deviceLocal) ?? first(hostVisible)
        case .staging: chosen = first(hostVisible | hostCached) ?? first(hostVisible)
        }
        guard let chosen else { throw VulkanError.outOfMemory("the device has no memory type for \(kind) buffers") }
        memoryType = UInt32(chosen)
        isHostVisible = types[chosen].propertyFlags & hostVisible == hostVisible
    }

    /// Reserves `bytes` (at least 4) and returns the range.
    public func allocate(bytes: Int) throws -> DeviceAllocation {
        let request = UInt64(max(bytes, 4))
        let reserved = (request + alignment - 1) / alignment * alignment
        let limit = min(context.limits.maxMemoryAllocationSize, context.limits.maxBufferSize)
        guard reserved <= limit else {
            throw VulkanError.outOfMemory(
                "a tensor of \(MemoryBlock.format(request)) exceeds the device's largest allocation (\(MemoryBlock.format(limit)))"
            )
        }
        return try state.withLock { state in
            for block in state.blocks {
                if let offset = Self.take(reserved, from: block) {
                    state.inUse += reserved
                    return DeviceAllocation(
                        block: block, offset: offset, size: request, reserved: reserved, arena: self)
                }
            }
            let size = max(blockSize, reserved)
            let block = try MemoryBlock(context: context, size: size, memoryType: memoryType, map: isHostVisible)
            state.blocks.append(block)
            guard let offset = Self.take(reserved, from: block) else {
                throw VulkanError.outOfMemory("block allocation")
            }
            state.inUse += reserved
            return DeviceAllocation(block: block, offset: offset, size: request, reserved: reserved, arena: self)
        }
    }

    fileprivate func release(block: MemoryBlock, offset: UInt64, size: UInt64) {
        state.withLock { state in
            state.inUse -= size
            var free = block.free
            let index = free.firstIndex { $0.offset > offset } ?? free.count
            free.insert((offset, size), at: index)
            // Coalesce with the next and the previous range.
            if index + 1 < free.count, free[index].offset + free[index].size == free[index + 1].offset {
                free[index].size += free[index + 1].size
                free.remove(at: index + 1)
            }
            if index > 0, free[index - 1].offset + free[index - 1].size == free[index].offset {
                free[index - 1].size += free[index].size
                free.remove(at: index)
            }
            block.free = free
        }
    }

    private static func take(_ size: UInt64, from block: MemoryBlock) -> UInt64? {
        guard let index = block.free.firstIndex(where: { $0.size >= size }) else { return nil }
        let offset = block.free[index].offset
        if block.free[index].size == size {
            block.free.remove(at: index)
        } else {
            block.free[index].offset += size
            block.free[index].size -= size
        }
        return offset
    }

    /// `vkAllocateMemory` calls this arena has made: one per block, and blocks are kept for reuse, so in a
    /// steady state (the same work again) this does not grow.
    public var blocksAllocated: Int { state.withLock { $0.blocks.count } }

    /// Bytes held in device memory blocks, and bytes currently handed out.
    public var usage: (reserved: UInt64, inUse: UInt64) {
        state.withLock { ($0.blocks.reduce(0) { $0 + $1.size }, $0.inUse) }
    }
}
