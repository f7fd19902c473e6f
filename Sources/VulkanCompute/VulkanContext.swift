import CVulkan
import Foundation
import Synchronization

/// A logical device with one compute queue, a pipeline cache persisted per driver, and a kernel cache.
///
/// Thread safety: queue submission is serialised; kernels are created once under a lock. Command
/// recording is per `CommandRecorder`, so several recorders may work on one context from different threads.
public final class VulkanContext: @unchecked Sendable {
    public let instance: VulkanInstance
    public let physicalDevice: PhysicalDevice
    public let shaders: ShaderLibrary
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    let vk: DeviceFunctions
    private let persistentPipelineCache: PersistentPipelineCache
    private let queueLock = Mutex<Void>(())
    private let kernels = Mutex<[KernelDescriptor: Kernel]>([:])
    private let pipelineCount = Atomic<Int>(0)
    private let pipelineNanoseconds = Atomic<Int>(0)

    /// Optional features this device was created with.
    public var features: ComputeFeatures { enabledFeatures }
    private let enabledFeatures: ComputeFeatures

    public var limits: ComputeLimits { physicalDevice.limits }

    /// Creates a device on `physicalDevice`; enables 16-bit storage and float16 arithmetic where supported.
    public init(physicalDevice: PhysicalDevice, shaders: ShaderLibrary) throws {
        guard let family = physicalDevice.computeQueueFamily else {
            throw VulkanError.noDevice("\(physicalDevice.name) has no compute queue")
        }
        self.instance = physicalDevice.instance
        self.physicalDevice = physicalDevice
        self.shaders = shaders
        self.queueFamily = family
        let ivk = instance.vk

        var enabled = physicalDevice.features
        enabled.cooperativeMatrixKHR = false  // not used yet; enabling needs its extension
        enabled.cooperativeMatrixNV = false
        let chain = FeatureChain(api: physicalDevice.apiVersion)
        chain.request(enabled)
        enabledFeatures = enabled

        var priority: Float = 1
        var device: VkDevice?
        // The chain must outlive vkCreateDevice, which reads it.
        let result = withExtendedLifetime(chain) {
            withUnsafePointer(to: &priority) { priorityPointer -> VkResult in
                var queueInfo = VkDeviceQueueCreateInfo()
                queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
                queueInfo.queueFamilyIndex = family
                queueInfo.queueCount = 1
                queueInfo.pQueuePriorities = priorityPointer
                return withUnsafePointer(to: &queueInfo) { queuePointer in
                    var info = VkDeviceCreateInfo()
                    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                    info.pNext = UnsafeRawPointer(chain.head)
                    info.queueCreateInfoCount = 1
                    info.pQueueCreateInfos = queuePointer
                    // Must be nil: the features travel in pNext (VkPhysicalDeviceFeatures2).
                    info.pEnabledFeatures = nil
                    return ivk.createDevice(physicalDevice.handle, &info, nil, &device)
                }
            }
        }
        try check(result, "vkCreateDevice")
        guard let device else { throw VulkanError.call("vkCreateDevice", -3) }
        self.device = device
        let vk = try DeviceFunctions(physicalDevice.instance.loader, physicalDevice.instance.handle)
        self.vk = vk
        var queue: VkQueue?
        vk.getDeviceQueue(device, family, 0, &queue)
        guard let queue else { throw VulkanError.call("vkGetDeviceQueue", -3) }
        self.queue = queue

        persistentPipelineCache = PersistentPipelineCache(
            vk: vk, device: device, physicalDevice: physicalDevice,
            cacheDirectory: shaders.cacheDirectory, diagnostics: shaders.diagnostics)
    }

    /// Opens the device chosen by `DeviceSelection` on a new instance.
    public convenience init(deviceChoice: String?, shaders: ShaderLibrary, validation: Bool = false) throws {
        let instance = try VulkanInstance(validation: validation)
        let physical = try DeviceSelection.choose(from: instance.physicalDevices(), choice: deviceChoice)
        try self.init(physicalDevice: physical, shaders: shaders)
    }

    deinit {
        _ = vk.deviceWaitIdle(device)
        savePipelineCache()
        kernels.withLock { cache in
            for kernel in cache.values { kernel.destroy(vk, device) }
            cache.removeAll()
        }
        persistentPipelineCache.destroy()
        vk.destroyDevice(device, nil)
    }

    /// Writes the pipeline cache to disk (best effort).
    public func savePipelineCache() { persistentPipelineCache.save() }

    /// The cache pipelines are made with.
    var pipelineCache: VkPipelineCache? { persistentPipelineCache.handle }

    /// The compute pipeline for `descriptor`, compiled on first use and cached for the context's lifetime.
    public func kernel(_ descriptor: KernelDescriptor) throws -> Kernel {
        if let kernel = kernels.withLock({ $0[descriptor] }) { return kernel }
        let started = DispatchTime.now().uptimeNanoseconds
        let kernel = try makeKernel(descriptor)
        pipelineCount.add(1, ordering: .relaxed)
        pipelineNanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - started), ordering: .relaxed)
        return kernels.withLock { cache in
            if let existing = cache[descriptor] {
                kernel.destroy(vk, device)
                return existing
            }
            cache[descriptor] = kernel
            return kernel
        }
    }

    /// A new pipeline for `descriptor`. When the driver rejects one made from data read from disk — SPIR-V from the
    /// shader cache, then the pipeline cache's initial data — that data is discarded and the pipeline made again.
    private func makeKernel(_ descriptor: KernelDescriptor) throws -> Kernel {
        let defines = descriptor.defines.map { ($0.name, $0.value) }
        var shader = try shaders.compiled(name: descriptor.shader, defines: defines)
        while true {
            do {
                return try Kernel(context: self, descriptor: descriptor, spirv: shader.words)
            } catch let error as VulkanError where error.isDriverRejection {
                if shader.fromDiskCache {
                    shader = try shaders.recompile(name: descriptor.shader, defines: defines, rejection: error)
                } else if !persistentPipelineCache.discardDiskData(rejection: error) {
                    throw error
                }
            }
        }
    }

    /// Compute pipelines created so far (`vkCreateComputePipelines` calls, including the rare one that loses a
    /// race to cache the same kernel); cached kernels are reused, so repeated work adds none.
    public var pipelinesCreated: Int { pipelineCount.load(ordering: .relaxed) }

    /// Seconds spent making those pipelines: SPIR-V from the disk cache or glslang, and pipeline creation (from
    /// the driver's pipeline cache when warm).
    public var pipelineCreationSeconds: Double { Double(pipelineNanoseconds.load(ordering: .relaxed)) / 1e9 }

    /// Submits a command buffer and signals `fence`; serialised because `VkQueue` is externally synchronised.
    func submit(_ commandBuffer: VkCommandBuffer, fence: VkFence) throws {
        try queueLock.withLock { _ in
            var buffer: VkCommandBuffer? = commandBuffer
            var info = VkSubmitInfo()
            info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            info.commandBufferCount = 1
            return try withUnsafePointer(to: &buffer) { pointer in
                info.pCommandBuffers = pointer
                try check(vk.queueSubmit(queue, 1, &info, fence), "vkQueueSubmit")
            }
        }
    }

    /// Throws if the validation layer has reported anything since the last check.
    public func checkValidation() throws { try instance.checkValidation() }
}

extension VulkanError {
    /// Whether the driver refused a shader module or pipeline for a reason other than memory: what damaged SPIR-V
    /// or pipeline-cache data can cause.
    fileprivate var isDriverRejection: Bool {
        guard case .call(let function, _) = self else { return false }
        return function.hasPrefix("vkCreateShaderModule") || function.hasPrefix("vkCreateComputePipelines")
    }
}
