import CVulkan
import Foundation
import Synchronization

/// The driver's `VkPipelineCache`, loaded from and saved to `<cache>/pipelines/<pipelineCacheUUID>.entry` (the
/// driver's data as a `CacheEntry`). An entry that is not whole, or whose data the driver rejects, is reported
/// through `diagnostics` and the cache starts empty; the next save rewrites the file.
final class PersistentPipelineCache: @unchecked Sendable {
    private let vk: DeviceFunctions
    private let device: VkDevice
    private let file: URL?
    /// What the data was made for: the driver and device its `pipelineCacheUUID` names.
    private let key: [UInt8]
    private let diagnostics: (@Sendable (String) -> Void)?
    private let state: Mutex<State>

    /// Handles only, used under the mutex; Vulkan pipeline caches are internally synchronised.
    private struct State: @unchecked Sendable {
        var current: VkPipelineCache?
        /// Whether `current` started from the file's data.
        var holdsDiskData: Bool
        /// Caches replaced after a rejection, destroyed last: other threads may still be making pipelines with them.
        var retired: [VkPipelineCache] = []
    }

    init(
        vk: DeviceFunctions, device: VkDevice, physicalDevice: PhysicalDevice, cacheDirectory: URL?,
        diagnostics: (@Sendable (String) -> Void)?
    ) {
        self.vk = vk
        self.device = device
        self.diagnostics = diagnostics
        let uuid = physicalDevice.pipelineCacheUUID.map { String(format: "%02x", $0) }.joined()
        let file = cacheDirectory?.appendingPathComponent("pipelines/\(uuid).entry")
        self.file = file
        key = SHA256.digest(Array("VkPipelineCache \(uuid)".utf8))
        var initial: [UInt8] = []
        if let file {
            switch CacheEntry.read(file, key: key) {
            case .missing: break
            case .valid(let payload): initial = payload
            case .damaged(let reason): diagnostics?(CacheEntry.discarded(file, reason))
            }
        }
        var cache = Self.create(vk, device, initial: initial)
        if cache == nil, let file, !initial.isEmpty {
            diagnostics?(CacheEntry.discarded(file, "rejected by the driver (vkCreatePipelineCache failed)"))
            initial = []
            cache = Self.create(vk, device, initial: [])
        }
        state = Mutex(State(current: cache, holdsDiskData: !initial.isEmpty))
    }

    /// The cache pipelines are made with; nil if the driver could not create one.
    var handle: VkPipelineCache? { state.withLock { $0.current } }

    /// After the driver rejected a pipeline made with this cache: if the cache started from the file's data, reports
    /// it, replaces the cache with an empty one and returns true; false when there was no such data to blame.
    func discardDiskData(rejection: any Error) -> Bool {
        let discarded = state.withLock { state -> Bool in
            guard state.holdsDiskData else { return false }
            if let current = state.current { state.retired.append(current) }
            state.current = Self.create(vk, device, initial: [])
            state.holdsDiskData = false
            return true
        }
        if discarded, let file { diagnostics?(CacheEntry.discarded(file, "rejected by the driver (\(rejection))")) }
        return discarded
    }

    /// Writes the cache to its file (best effort).
    func save() {
        guard let file, let cache = handle else { return }
        var size = 0
        guard vk.getPipelineCacheData(device, cache, &size, nil).rawValue == 0, size > 0 else { return }
        var data = [UInt8](repeating: 0, count: size)
        guard
            data.withUnsafeMutableBytes({ vk.getPipelineCacheData(device, cache, &size, $0.baseAddress).rawValue }) == 0
        else { return }
        CacheEntry.write(Array(data.prefix(size)), key: key, to: file)
    }

    /// Destroys every cache made; call once no pipeline is being made.
    func destroy() {
        state.withLock { state in
            for cache in state.retired { vk.destroyPipelineCache(device, cache, nil) }
            if let current = state.current { vk.destroyPipelineCache(device, current, nil) }
            state.retired = []
            state.current = nil
        }
    }

    private static func create(_ vk: DeviceFunctions, _ device: VkDevice, initial: [UInt8]) -> VkPipelineCache? {
        var cache: VkPipelineCache?
        let result = initial.withUnsafeBytes { raw in
            var info = VkPipelineCacheCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
            info.initialDataSize = raw.count
            info.pInitialData = raw.baseAddress
            return vk.createPipelineCache(device, &info, nil, &cache)
        }
        return result.rawValue == 0 ? cache : nil
    }
}
