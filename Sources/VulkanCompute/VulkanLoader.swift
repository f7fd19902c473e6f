import CVulkan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens the Vulkan loader at run time and resolves entry points through `vkGetInstanceProcAddr`.
///
/// Linking `libvulkan` directly would make every binary fail to start on a machine without it, even for
/// `--device cpu`; opening it here turns that into a `VulkanError.loaderUnavailable` the caller can report.
final class VulkanLoader: @unchecked Sendable {
    let getInstanceProcAddr: PFN_vkGetInstanceProcAddr
    private let library: UnsafeMutableRawPointer

    static let shared: Result<VulkanLoader, VulkanError> = {
        #if os(macOS)
            let names = ["libvulkan.1.dylib", "libMoltenVK.dylib"]
        #else
            let names = ["libvulkan.so.1", "libvulkan.so"]
        #endif
        var errors: [String] = []
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                guard let symbol = dlsym(handle, "vkGetInstanceProcAddr") else {
                    errors.append("\(name) has no vkGetInstanceProcAddr")
                    continue
                }
                return .success(
                    VulkanLoader(
                        library: handle, getInstanceProcAddr: unsafeBitCast(symbol, to: PFN_vkGetInstanceProcAddr.self))
                )
            }
            if let message = dlerror() { errors.append(String(cString: message)) }
        }
        return .failure(.loaderUnavailable(errors.joined(separator: "; ")))
    }()

    private init(library: UnsafeMutableRawPointer, getInstanceProcAddr: PFN_vkGetInstanceProcAddr) {
        self.library = library
        self.getInstanceProcAddr = getInstanceProcAddr
    }

    /// Resolves `name` for `instance` (nil for the global functions).
    func function<T>(_ instance: VkInstance?, _ name: String) throws -> T {
        guard let pointer = getInstanceProcAddr(instance, name) else { throw VulkanError.missingFunction(name) }
        return unsafeBitCast(pointer, to: T.self)
    }

    func optionalFunction<T>(_ instance: VkInstance?, _ name: String) -> T? {
        guard let pointer = getInstanceProcAddr(instance, name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
    }
}

/// The loader-level functions that exist before an instance does.
struct GlobalFunctions {
    let createInstance: PFN_vkCreateInstance
    let enumerateInstanceLayerProperties: PFN_vkEnumerateInstanceLayerProperties
    let enumerateInstanceExtensionProperties: PFN_vkEnumerateInstanceExtensionProperties
    let enumerateInstanceVersion: PFN_vkEnumerateInstanceVersion?

    init(_ loader: VulkanLoader) throws {
        createInstance = try loader.function(nil, "vkCreateInstance")
        enumerateInstanceLayerProperties = try loader.function(nil, "vkEnumerateInstanceLayerProperties")
        enumerateInstanceExtensionProperties = try loader.function(nil, "vkEnumerateInstanceExtensionProperties")
        enumerateInstanceVersion = loader.optionalFunction(nil, "vkEnumerateInstanceVersion")
    }
}

/// Instance-level functions, including the ones used to query physical devices.
struct InstanceFunctions {
    let destroyInstance: PFN_vkDestroyInstance
    let enumeratePhysicalDevices: PFN_vkEnumeratePhysicalDevices
    let getPhysicalDeviceProperties2: PFN_vkGetPhysicalDeviceProperties2
    let getPhysicalDeviceFeatures2: PFN_vkGetPhysicalDeviceFeatures2
    let getPhysicalDeviceMemoryProperties: PFN_vkGetPhysicalDeviceMemoryProperties
    let getPhysicalDeviceQueueFamilyProperties: PFN_vkGetPhysicalDeviceQueueFamilyProperties
    let enumerateDeviceExtensionProperties: PFN_vkEnumerateDeviceExtensionProperties
    let createDevice: PFN_vkCreateDevice
    let createDebugUtilsMessenger: PFN_vkCreateDebugUtilsMessengerEXT?
    let destroyDebugUtilsMessenger: PFN_vkDestroyDebugUtilsMessengerEXT?

    init(_ loader: VulkanLoader, _ instance: VkInstance) throws {
        destroyInstance = try loader.function(instance, "vkDestroyInstance")
        enumeratePhysicalDevices = try loader.function(instance, "vkEnumeratePhysicalDevices")
        getPhysicalDeviceProperties2 = try loader.function(instance, "vkGetPhysicalDeviceProperties2")
        getPhysicalDeviceFeatures2 = try loader.function(instance, "vkGetPhysicalDeviceFeatures2")
        getPhysicalDeviceMemoryProperties = try loader.function(instance, "vkGetPhysicalDeviceMemoryProperties")
        getPhysicalDeviceQueueFamilyProperties = try loader.function(
            instance, "vkGetPhysicalDeviceQueueFamilyProperties")
        enumerateDeviceExtensionProperties = try loader.function(instance, "vkEnumerateDeviceExtensionProperties")
        createDevice = try loader.function(instance, "vkCreateDevice")
        createDebugUtilsMessenger = loader.optionalFunction(instance, "vkCreateDebugUtilsMessengerEXT")
        destroyDebugUtilsMessenger = loader.optionalFunction(instance, "vkDestroyDebugUtilsMessengerEXT")
    }
}

/// Device-level functions used by the compute engine.
struct DeviceFunctions {
    let destroyDevice: PFN_vkDestroyDevice
    let deviceWaitIdle: PFN_vkDeviceWaitIdle
    let getDeviceQueue: PFN_vkGetDeviceQueue
    let createBuffer: PFN_vkCreateBuffer
    let destroyBuffer: PFN_vkDestroyBuffer
    let getBufferMemoryRequirements: PFN_vkGetBufferMemoryRequirements
    let allocateMemory: PFN_vkAllocateMemory
    let freeMemory: PFN_vkFreeMemory
    let bindBufferMemory: PFN_vkBindBufferMemory
    let mapMemory: PFN_vkMapMemory
    let unmapMemory: PFN_vkUnmapMemory
    let invalidateMappedMemoryRanges: PFN_vkInvalidateMappedMemoryRanges
    let flushMappedMemoryRanges: PFN_vkFlushMappedMemoryRanges
    let createShaderModule: PFN_vkCreateShaderModule
    let destroyShaderModule: PFN_vkDestroyShaderModule
    let createDescriptorSetLayout: PFN_vkCreateDescriptorSetLayout
    let destroyDescriptorSetLayout: PFN_vkDestroyDescriptorSetLayout
    let createPipelineLayout: PFN_vkCreatePipelineLayout
    let destroyPipelineLayout: PFN_vkDestroyPipelineLayout
    let createComputePipelines: PFN_vkCreateComputePipelines
    let destroyPipeline: PFN_vkDestroyPipeline
    let createPipelineCache: PFN_vkCreatePipelineCache
    let destroyPipelineCache: PFN_vkDestroyPipelineCache
    let getPipelineCacheData: PFN_vkGetPipelineCacheData
    let createDescriptorPool: PFN_vkCreateDescriptorPool
    let destroyDescriptorPool: PFN_vkDestroyDescriptorPool
    let resetDescriptorPool: PFN_vkResetDescriptorPool
    let allocateDescriptorSets: PFN_vkAllocateDescriptorSets
    let updateDescriptorSets: PFN_vkUpdateDescriptorSets
    let createCommandPool: PFN_vkCreateCommandPool
    let destroyCommandPool: PFN_vkDestroyCommandPool
    let resetCommandPool: PFN_vkResetCommandPool
    let allocateCommandBuffers: PFN_vkAllocateCommandBuffers
    let beginCommandBuffer: PFN_vkBeginCommandBuffer
    let endCommandBuffer: PFN_vkEndCommandBuffer
    let cmdBindPipeline: PFN_vkCmdBindPipeline
    let cmdBindDescriptorSets: PFN_vkCmdBindDescriptorSets
    let cmdPushConstants: PFN_vkCmdPushConstants
    let cmdDispatch: PFN_vkCmdDispatch
    let cmdPipelineBarrier: PFN_vkCmdPipelineBarrier
    let cmdCopyBuffer: PFN_vkCmdCopyBuffer
    let cmdFillBuffer: PFN_vkCmdFillBuffer
    let cmdWriteTimestamp: PFN_vkCmdWriteTimestamp
    let cmdResetQueryPool: PFN_vkCmdResetQueryPool
    let createQueryPool: PFN_vkCreateQueryPool
    let destroyQueryPool: PFN_vkDestroyQueryPool
    let getQueryPoolResults: PFN_vkGetQueryPoolResults
    let createFence: PFN_vkCreateFence
    let destroyFence: PFN_vkDestroyFence
    let waitForFences: PFN_vkWaitForFences
    let resetFences: PFN_vkResetFences
    let queueSubmit: PFN_vkQueueSubmit

    init(_ loader: VulkanLoader, _ instance: VkInstance) throws {
        func f<T>(_ name: String) throws -> T { try loader.function(instance, name) }
        destroyDevice = try f("vkDestroyDevice")
        deviceWaitIdle = try f("vkDeviceWaitIdle")
        getDeviceQueue = try f("vkGetDeviceQueue")
        createBuffer = try f("vkCreateBuffer")
        destroyBuffer = try f("vkDestroyBuffer")
        getBufferMemoryRequirements = try f("vkGetBufferMemoryRequirements")
        allocateMemory = try f("vkAllocateMemory")
        freeMemory = try f("vkFreeMemory")
        bindBufferMemory = try f("vkBindBufferMemory")
        mapMemory = try f("vkMapMemory")
        unmapMemory = try f("vkUnmapMemory")
        invalidateMappedMemoryRanges = try f("vkInvalidateMappedMemoryRanges")
        flushMappedMemoryRanges = try f("vkFlushMappedMemoryRanges")
        createShaderModule = try f("vkCreateShaderModule")
        destroyShaderModule = try f("vkDestroyShaderModule")
        createDescriptorSetLayout = try f("vkCreateDescriptorSetLayout")
        destroyDescriptorSetLayout = try f("vkDestroyDescriptorSetLayout")
        createPipelineLayout = try f("vkCreatePipelineLayout")
        destroyPipelineLayout = try f("vkDestroyPipelineLayout")
        createComputePipelines = try f("vkCreateComputePipelines")
        destroyPipeline = try f("vkDestroyPipeline")
        createPipelineCache = try f("vkCreatePipelineCache")
        destroyPipelineCache = try f("vkDestroyPipelineCache")
        getPipelineCacheData = try f("vkGetPipelineCacheData")
        createDescriptorPool = try f("vkCreateDescriptorPool")
        destroyDescriptorPool = try f("vkDestroyDescriptorPool")
        resetDescriptorPool = try f("vkResetDescriptorPool")
        allocateDescriptorSets = try f("vkAllocateDescriptorSets")
        updateDescriptorSets = try f("vkUpdateDescriptorSets")
        createCommandPool = try f("vkCreateCommandPool")
        destroyCommandPool = try f("vkDestroyCommandPool")
        resetCommandPool = try f("vkResetCommandPool")
        allocateCommandBuffers = try f("vkAllocateCommandBuffers")
        beginCommandBuffer = try f("vkBeginCommandBuffer")
        endCommandBuffer = try f("vkEndCommandBuffer")
        cmdBindPipeline = try f("vkCmdBindPipeline")
        cmdBindDescriptorSets = try f("vkCmdBindDescriptorSets")
        cmdPushConstants = try f("vkCmdPushConstants")
        cmdDispatch = try f("vkCmdDispatch")
        cmdPipelineBarrier = try f("vkCmdPipelineBarrier")
        cmdCopyBuffer = try f("vkCmdCopyBuffer")
        cmdFillBuffer = try f("vkCmdFillBuffer")
        cmdWriteTimestamp = try f("vkCmdWriteTimestamp")
        cmdResetQueryPool = try f("vkCmdResetQueryPool")
        createQueryPool = try f("vkCreateQueryPool")
        destroyQueryPool = try f("vkDestroyQueryPool")
        getQueryPoolResults = try f("vkGetQueryPoolResults")
        createFence = try f("vkCreateFence")
        destroyFence = try f("vkDestroyFence")
        waitForFences = try f("vkWaitForFences")
        resetFences = try f("vkResetFences")
        queueSubmit = try f("vkQueueSubmit")
    }
}
