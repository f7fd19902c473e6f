import Tensors

/// Running totals of what a forward pass should not do once it has run before at the same batch size: allocate
/// device memory, create pipelines or descriptor pools, submit work or wait for it more than once. Take a
/// snapshot before and after some work and subtract.
public struct ResourceCounters: Equatable, Sendable, CustomStringConvertible {
    /// `vkAllocateMemory` calls of the backend's device and staging arenas.
    public let memoryBlocksAllocated: Int
    /// Pipelines created by the backend's context (shared by every backend on that context).
    public let pipelinesCreated: Int
    /// Descriptor pools created by the backend's recorder.
    public let descriptorPoolsCreated: Int
    /// Command buffers submitted by the backend's recorder.
    public let submissions: Int
    /// Times the host blocked on the backend's recorder.
    public let hostWaits: Int

    public init(
        memoryBlocksAllocated: Int, pipelinesCreated: Int, descriptorPoolsCreated: Int, submissions: Int, hostWaits: Int
    ) {
        self.memoryBlocksAllocated = memoryBlocksAllocated
        self.pipelinesCreated = pipelinesCreated
        self.descriptorPoolsCreated = descriptorPoolsCreated
        self.submissions = submissions
        self.hostWaits = hostWaits
    }

    /// The counts between two snapshots.
    public static func - (a: ResourceCounters, b: ResourceCounters) -> ResourceCounters {
        ResourceCounters(
            memoryBlocksAllocated: a.memoryBlocksAllocated - b.memoryBlocksAllocated,
            pipelinesCreated: a.pipelinesCreated - b.pipelinesCreated,
            descriptorPoolsCreated: a.descriptorPoolsCreated - b.descriptorPoolsCreated,
            submissions: a.submissions - b.submissions, hostWaits: a.hostWaits - b.hostWaits)
    }

    public var description: String {
        "\(memoryBlocksAllocated) memory blocks, \(pipelinesCreated) pipelines, \(descriptorPoolsCreated) descriptor pools, "
            + "\(submissions) submissions, \(hostWaits) host waits"
    }
}

extension VulkanBackend {
    /// The counters so far. Memory is sub-allocated from blocks the arenas keep (first fit, freed ranges
    /// coalesced), pipelines are cached by the context and descriptor pools reset after each submission, so
    /// repeating a forward pass at the same batch size adds no blocks, pipelines or pools, and one submission
    /// and host wait: the download.
    public var resourceCounters: ResourceCounters {
        ResourceCounters(
            memoryBlocksAllocated: arena.blocksAllocated + staging.blocksAllocated,
            pipelinesCreated: context.pipelinesCreated, descriptorPoolsCreated: recorder.descriptorPoolCount,
            submissions: recorder.submissionCount, hostWaits: recorder.hostWaitCount)
    }
}
