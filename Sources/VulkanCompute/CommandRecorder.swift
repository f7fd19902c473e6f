import CVulkan

/// How a command uses a bound buffer range; decides which barriers are needed.
public enum BufferAccess: Sendable {
    case read, write, readWrite
    var reads: Bool { self != .write }
    var writes: Bool { self != .read }
}

/// A range of a device allocation bound to one descriptor slot.
public struct BufferBinding: @unchecked Sendable {
    public let allocation: DeviceAllocation
    /// Byte offset inside the allocation.
    public let offset: UInt64
    public let byteCount: UInt64
    public let access: BufferAccess

    public init(_ allocation: DeviceAllocation, offset: UInt64 = 0, byteCount: UInt64? = nil, access: BufferAccess) {
        self.allocation = allocation
        self.offset = offset
        self.byteCount = byteCount ?? (allocation.size - offset)
        self.access = access
    }

    var blockOffset: UInt64 { allocation.offset + offset }

    var hazard: HazardTracker.Access {
        HazardTracker.Access(
            buffer: ObjectIdentifier(allocation.block), start: blockOffset, end: blockOffset + byteCount,
            reads: access.reads, writes: access.writes)
    }
}

/// GPU time of one recorded command, from timestamp queries, with the work it did.
public struct CommandTiming: Sendable {
    public let label: String
    public let nanoseconds: Double
    /// Arithmetic the command performed, as declared by whoever recorded it (0 when not declared).
    public let flops: Double
    /// Bytes of the buffer ranges the command bound or copied: an upper bound on the memory it touched.
    public let bytes: Double
}

/// Records a whole sequence of dispatches and copies into one command buffer, inserting a barrier only on a
/// real read/write hazard, and submits it once.
///
/// Everything a recorded command references (memory blocks, staging allocations) is retained until the
/// fence has signalled, so ARC cannot free memory the GPU still uses (in optimised builds Swift may release an
/// object right after its last use in Swift code, long before the GPU has run the commands that use it). One
/// recorder must be used by one thread at a time; it is reusable after `submitAndWait()`.
public final class CommandRecorder: @unchecked Sendable {
    public let context: VulkanContext
    /// Whether dispatches are timed with timestamp queries.
    public let timing: Bool
    private let vk: DeviceFunctions
    private let commandPool: VkCommandPool
    private let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    private var descriptorPools: [VkDescriptorPool] = []
    private var currentPool = 0
    private var queryPool: VkQueryPool?
    private let queryCapacity: UInt32 = 4096
    private var labels: [(label: String, flops: Double, bytes: Double)] = []
    private var retained: [AnyObject] = []
    private var retainedIDs: Set<ObjectIdentifier> = []
    private var hazards = HazardTracker()
    private var recording = false
    /// A submission whose fence has not been seen signalled (only after a failed wait).
    private var inFlight = false
    /// Commands recorded since the last submit.
    public private(set) var commandCount = 0
    /// Barriers emitted since the last submit (for tests and statistics).
    public private(set) var barrierCount = 0
    /// Command buffers submitted over the recorder's lifetime.
    public private(set) var submissionCount = 0
    /// Times the host blocked on the recorder's fence over its lifetime.
    public private(set) var hostWaitCount = 0
    /// Descriptor pools created over the recorder's lifetime; they are reset and reused after each submission.
    public var descriptorPoolCount: Int { descriptorPools.count }

    public init(context: VulkanContext, timing: Bool = false) throws {
        self.context = context
        self.vk = context.vk
        self.timing = timing && context.physicalDevice.features.timestamps
        let device = context.device

        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.queueFamilyIndex = context.queueFamily
        poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT.rawValue
        var pool: VkCommandPool?
        try check(vk.createCommandPool(device, &poolInfo, nil, &pool), "vkCreateCommandPool")
        guard let pool else { throw VulkanError.call("vkCreateCommandPool", -3) }
        commandPool = pool

        var allocateInfo = VkCommandBufferAllocateInfo()
        allocateInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocateInfo.commandPool = pool
        allocateInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocateInfo.commandBufferCount = 1
        var buffer: VkCommandBuffer?
        var fence: VkFence?
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        let allocated = vk.allocateCommandBuffers(device, &allocateInfo, &buffer)
        let created = vk.createFence(device, &fenceInfo, nil, &fence)
        guard allocated.rawValue == 0, created.rawValue == 0, let buffer, let fence else {
            if let fence { vk.destroyFence(device, fence, nil) }
            vk.destroyCommandPool(device, pool, nil)
            try check(allocated, "vkAllocateCommandBuffers")
            try check(created, "vkCreateFence")
            throw VulkanError.call("vkAllocateCommandBuffers", -3)
        }
        commandBuffer = buffer
        self.fence = fence

        if self.timing {
            var queryInfo = VkQueryPoolCreateInfo()
            queryInfo.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
            queryInfo.queryType = VK_QUERY_TYPE_TIMESTAMP
            queryInfo.queryCount = queryCapacity
            var queries: VkQueryPool?
            try check(vk.createQueryPool(device, &queryInfo, nil, &queries), "vkCreateQueryPool")
            queryPool = queries
        }
    }

    deinit {
        let device = context.device
        // Work recorded but never submitted needs no wait. Waiting on our own fence, never vkDeviceWaitIdle,
        // keeps this off the queue, which other threads' recorders may be submitting to.
        if inFlight { _ = vk.waitForFences(device, 1, [fence], VkBool32(VK_TRUE), UInt64.max) }
        if let queryPool { vk.destroyQueryPool(device, queryPool, nil) }
        for pool in descriptorPools { vk.destroyDescriptorPool(device, pool, nil) }
        vk.destroyFence(device, fence, nil)
        vk.destroyCommandPool(device, commandPool, nil)
    }

    /// Records one dispatch of `kernel` over `groups` workgroups. `flops` declares its arithmetic for reports.
    public func dispatch(
        _ kernel: Kernel, bindings: [BufferBinding], push: PushConstants = PushConstants(),
        groups: (x: Int, y: Int, z: Int), label: String? = nil, flops: Double = 0
    ) throws {
        let d = kernel.descriptor
        guard bindings.count == d.bindings else {
            throw VulkanError.invalidArgument("\(d.shader) takes \(d.bindings) buffers, got \(bindings.count)")
        }
        guard push.byteCount == d.pushConstantBytes else {
            throw VulkanError.invalidArgument(
                "\(d.shader) takes \(d.pushConstantBytes) bytes of push constants, got \(push.byteCount)")
        }
        let maxCount = context.limits.maxWorkGroupCount
        guard groups.x >= 1, groups.y >= 1, groups.z >= 1,
            groups.x <= Int(maxCount.0), groups.y <= Int(maxCount.1), groups.z <= Int(maxCount.2)
        else {
            throw VulkanError.limitExceeded("\(d.shader): workgroup count \(groups) outside 1...\(maxCount)")
        }
        let maxRange = context.limits.maxStorageBufferRange
        for (i, b) in bindings.enumerated() {
            guard b.offset + b.byteCount <= b.allocation.size else {
                throw VulkanError.invalidArgument(
                    "\(d.shader) binding \(i): range \(b.offset)+\(b.byteCount) exceeds its allocation of \(b.allocation.size) bytes"
                )
            }
            guard b.byteCount <= maxRange else {
                throw VulkanError.limitExceeded(
                    "\(d.shader) binding \(i): \(b.byteCount) bytes exceed maxStorageBufferRange (\(maxRange)); split the dispatch"
                )
            }
        }
        try begin()
        let set = try allocateDescriptorSet(kernel)
        writeDescriptors(set, bindings)
        guardHazards(bindings.map(\.hazard))
        for binding in bindings { retain(binding.allocation.block) }
        retain(kernel)

        vk.cmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline)
        var sets: [VkDescriptorSet?] = [set]
        vk.cmdBindDescriptorSets(
            commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipelineLayout, 0, 1, &sets, 0, nil)
        if !push.words.isEmpty {
            push.words.withUnsafeBytes {
                vk.cmdPushConstants(
                    commandBuffer, kernel.pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32($0.count),
                    $0.baseAddress)
            }
        }
        vk.cmdDispatch(commandBuffer, UInt32(groups.x), UInt32(groups.y), UInt32(groups.z))
        finishCommand(label ?? d.shader, flops: flops, bytes: bindings.reduce(0) { $0 + Double($1.byteCount) })
    }

    /// Records a buffer-to-buffer copy of `bytes` bytes.
    public func copy(
        from source: DeviceAllocation, sourceOffset: UInt64 = 0, to destination: DeviceAllocation,
        destinationOffset: UInt64 = 0, bytes: UInt64, label: String = "copy"
    ) throws {
        guard sourceOffset + bytes <= source.size, destinationOffset + bytes <= destination.size else {
            throw VulkanError.invalidArgument("copy of \(bytes) bytes exceeds an allocation")
        }
        guard bytes > 0 else { return }
        try begin()
        let src = BufferBinding(source, offset: sourceOffset, byteCount: bytes, access: .read)
        let dst = BufferBinding(destination, offset: destinationOffset, byteCount: bytes, access: .write)
        guardHazards([src.hazard, dst.hazard])
        retain(source.block)
        retain(destination.block)
        retain(source)
        retain(destination)
        var region = VkBufferCopy(srcOffset: src.blockOffset, dstOffset: dst.blockOffset, size: bytes)
        vk.cmdCopyBuffer(commandBuffer, source.block.buffer, destination.block.buffer, 1, &region)
        finishCommand(label, bytes: 2 * Double(bytes))
    }

    /// Keeps `object` alive until the next submission has completed.
    public func retain(_ object: AnyObject) {
        if retainedIDs.insert(ObjectIdentifier(object)).inserted { retained.append(object) }
    }

    /// Ends recording, submits, waits for the fence, checks the validation layer, and returns per-command
    /// GPU times (empty without timing). A recorder with nothing recorded returns at once.
    @discardableResult
    public func submitAndWait() throws -> [CommandTiming] {
        guard recording else { return [] }
        // Make shader and transfer writes visible to host reads after the fence.
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT.rawValue
        vk.cmdPipelineBarrier(
            commandBuffer, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
            VK_PIPELINE_STAGE_HOST_BIT.rawValue, 0, 1, &barrier, 0, nil, 0, nil)
        recording = false
        defer { resetAfterSubmit() }
        try check(vk.endCommandBuffer(commandBuffer), "vkEndCommandBuffer")
        try context.submit(commandBuffer, fence: fence)
        inFlight = true
        submissionCount += 1
        var fences: [VkFence?] = [fence]
        hostWaitCount += 1
        try check(vk.waitForFences(context.device, 1, &fences, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        inFlight = false
        try context.checkValidation()
        return try readTimings()
    }

    private func begin() throws {
        guard !recording else { return }
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try check(vk.beginCommandBuffer(commandBuffer, &info), "vkBeginCommandBuffer")
        recording = true
        if let queryPool {
            vk.cmdResetQueryPool(commandBuffer, queryPool, 0, queryCapacity)
            vk.cmdWriteTimestamp(commandBuffer, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queryPool, 0)
        }
    }

    private func guardHazards(_ accesses: [HazardTracker.Access]) {
        if hazards.needsBarrier(accesses) {
            var barrier = VkMemoryBarrier()
            barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
            barrier.srcAccessMask =
                VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
                | VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_READ_BIT.rawValue
            barrier.dstAccessMask =
                VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
                | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
            let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
            vk.cmdPipelineBarrier(commandBuffer, stages, stages, 0, 1, &barrier, 0, nil, 0, nil)
            hazards.barrier()
            barrierCount += 1
        }
        hazards.record(accesses)
    }

    private func finishCommand(_ label: String, flops: Double = 0, bytes: Double) {
        commandCount += 1
        if let queryPool, UInt32(labels.count + 1) < queryCapacity {
            labels.append((label, flops, bytes))
            vk.cmdWriteTimestamp(commandBuffer, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queryPool, UInt32(labels.count))
        }
    }

    private func allocateDescriptorSet(_ kernel: Kernel) throws -> VkDescriptorSet {
        while true {
            if currentPool == descriptorPools.count { descriptorPools.append(try makeDescriptorPool()) }
            var layouts: [VkDescriptorSetLayout?] = [kernel.setLayout]
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = descriptorPools[currentPool]
            info.descriptorSetCount = 1
            var set: VkDescriptorSet?
            let result = layouts.withUnsafeMutableBufferPointer { pointer -> VkResult in
                info.pSetLayouts = UnsafePointer(pointer.baseAddress)
                return vk.allocateDescriptorSets(context.device, &info, &set)
            }
            if result.rawValue == 0, let set { return set }
            // Pool exhausted (VK_ERROR_OUT_OF_POOL_MEMORY or FRAGMENTED_POOL): move to the next one.
            guard result.rawValue == -1_000_069_000 || result.rawValue == -12 else {
                try check(result, "vkAllocateDescriptorSets")
                continue
            }
            currentPool += 1
        }
    }

    private func makeDescriptorPool() throws -> VkDescriptorPool {
        var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: 8192)
        var info = VkDescriptorPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
        info.maxSets = 1024
        info.poolSizeCount = 1
        var pool: VkDescriptorPool?
        try withUnsafePointer(to: &size) { pointer in
            info.pPoolSizes = pointer
            try check(vk.createDescriptorPool(context.device, &info, nil, &pool), "vkCreateDescriptorPool")
        }
        guard let pool else { throw VulkanError.call("vkCreateDescriptorPool", -3) }
        return pool
    }

    private func writeDescriptors(_ set: VkDescriptorSet, _ bindings: [BufferBinding]) {
        let infos = bindings.map {
            VkDescriptorBufferInfo(buffer: $0.allocation.block.buffer, offset: $0.blockOffset, range: $0.byteCount)
        }
        infos.withUnsafeBufferPointer { base in
            var writes = (0 ..< infos.count).map { i -> VkWriteDescriptorSet in
                var w = VkWriteDescriptorSet()
                w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                w.dstSet = set
                w.dstBinding = UInt32(i)
                w.descriptorCount = 1
                w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                w.pBufferInfo = base.baseAddress! + i
                return w
            }
            vk.updateDescriptorSets(context.device, UInt32(writes.count), &writes, 0, nil)
        }
    }

    private func readTimings() throws -> [CommandTiming] {
        guard let queryPool, !labels.isEmpty else { return [] }
        var stamps = [UInt64](repeating: 0, count: labels.count + 1)
        try stamps.withUnsafeMutableBytes { raw in
            try check(
                vk.getQueryPoolResults(
                    context.device, queryPool, 0, UInt32(labels.count + 1), raw.count, raw.baseAddress, 8,
                    VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue), "vkGetQueryPoolResults")
        }
        let period = Double(context.limits.timestampPeriodNanoseconds)
        return labels.indices.map { i in
            CommandTiming(
                label: labels[i].label, nanoseconds: Double(stamps[i + 1] &- stamps[i]) * period,
                flops: labels[i].flops, bytes: labels[i].bytes)
        }
    }

    private func resetAfterSubmit() {
        // After a failed wait (device lost) the GPU may still hold the pool and the retained memory.
        guard !inFlight else { return }
        _ = vk.resetFences(context.device, 1, [fence])
        _ = vk.resetCommandPool(context.device, commandPool, 0)
        for pool in descriptorPools { _ = vk.resetDescriptorPool(context.device, pool, 0) }
        currentPool = 0
        retained.removeAll(keepingCapacity: true)
        retainedIDs.removeAll(keepingCapacity: true)
        hazards.barrier()
        labels.removeAll(keepingCapacity: true)
        commandCount = 0
        barrierCount = 0
    }
}
