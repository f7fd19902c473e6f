import CVulkan

/// The kind of a Vulkan device, in the order devices are preferred.
public enum DeviceKind: String, Sendable, Comparable {
    case discreteGPU = "discrete GPU"
    case integratedGPU = "integrated GPU"
    case virtualGPU = "virtual GPU"
    case cpu = "CPU"
    case other = "other"

    init(_ type: VkPhysicalDeviceType) {
        switch type {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: self = .discreteGPU
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: self = .integratedGPU
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: self = .virtualGPU
        case VK_PHYSICAL_DEVICE_TYPE_CPU: self = .cpu
        default: self = .other
        }
    }

    /// Lower is preferred: discrete > integrated > virtual > other > CPU.
    var rank: Int {
        switch self {
        case .discreteGPU: return 0
        case .integratedGPU: return 1
        case .virtualGPU: return 2
        case .other: return 3
        case .cpu: return 4
        }
    }

    public static func < (a: DeviceKind, b: DeviceKind) -> Bool { a.rank < b.rank }
}

/// One memory heap of a device.
public struct MemoryHeap: Sendable {
    public let size: UInt64
    public let deviceLocal: Bool
}

/// The device limits this engine depends on.
public struct ComputeLimits: Sendable {
    public var maxWorkGroupSize: (UInt32, UInt32, UInt32)
    public var maxWorkGroupInvocations: UInt32
    public var maxWorkGroupCount: (UInt32, UInt32, UInt32)
    public var maxSharedMemoryBytes: UInt32
    public var maxStorageBufferRange: UInt64
    public var maxPushConstantsBytes: UInt32
    public var minStorageBufferOffsetAlignment: UInt64
    public var maxMemoryAllocationSize: UInt64
    public var maxBufferSize: UInt64
    public var subgroupSize: UInt32
    public var timestampPeriodNanoseconds: Float
}

/// Optional capabilities that fast paths may use.
public struct ComputeFeatures: Sendable {
    public var shaderFloat16 = false
    public var storageBuffer16BitAccess = false
    public var shaderInt8 = false
    public var storageBuffer8BitAccess = false
    public var cooperativeMatrixKHR = false
    public var cooperativeMatrixNV = false
    public var timestamps = false
}

/// A physical device with everything `bigbigan devices` reports and device selection needs.
public struct PhysicalDevice: @unchecked Sendable {
    let handle: VkPhysicalDevice
    let instance: VulkanInstance

    /// Position in the loader's enumeration; `--device N` refers to it.
    public let index: Int
    public let name: String
    public let kind: DeviceKind
    public let vendorID: UInt32
    public let deviceID: UInt32
    public let apiVersion: VulkanVersion
    public let driverName: String
    public let driverInfo: String
    public let driverVersion: UInt32
    /// Identifies driver + device for `VkPipelineCache` data.
    public let pipelineCacheUUID: [UInt8]
    public let heaps: [MemoryHeap]
    public let limits: ComputeLimits
    public let features: ComputeFeatures
    public let extensions: Set<String>
    /// A queue family that supports compute.
    public let computeQueueFamily: UInt32?

    init(instance: VulkanInstance, handle: VkPhysicalDevice, index: Int) throws {
        self.instance = instance
        self.handle = handle
        self.index = index
        let vk = instance.vk

        extensions = try Self.queryExtensions(vk, handle)
        let properties = Self.queryProperties(vk, handle, extensions: extensions)
        let p = properties.core
        name = string(fromCTuple: p.deviceName)
        kind = DeviceKind(p.deviceType)
        vendorID = p.vendorID
        deviceID = p.deviceID
        apiVersion = properties.api
        driverVersion = p.driverVersion
        driverName = properties.driverName
        driverInfo = properties.driverInfo
        pipelineCacheUUID = withUnsafeBytes(of: p.pipelineCacheUUID) { Array($0) }
        limits = Self.computeLimits(properties)

        heaps = Self.queryMemoryHeaps(vk, handle)
        let families = Self.queryQueueFamilies(vk, handle)
        let computeFamily = families.firstIndex { $0.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0 }
        computeQueueFamily = computeFamily.map { UInt32($0) }
        let timestamps =
            p.limits.timestampComputeAndGraphics != 0
            || computeFamily.map { families[$0].timestampValidBits > 0 } ?? false
        features = Self.queryFeatures(vk, handle, api: properties.api, extensions: extensions, timestamps: timestamps)
    }

    /// What `vkGetPhysicalDeviceProperties2` reports, read out of the structures chained to it.
    private struct ChainedProperties {
        var core: VkPhysicalDeviceProperties
        var api: VulkanVersion
        var driverName: String
        var driverInfo: String
        var maxMemoryAllocationSize: UInt64
        /// Only from Vulkan 1.3 (maintenance4).
        var maxBufferSize: UInt64?
        var subgroupSize: UInt32
    }

    /// The names of the device's extensions.
    private static func queryExtensions(_ vk: InstanceFunctions, _ handle: VkPhysicalDevice) throws -> Set<String> {
        var extensionCount: UInt32 = 0
        try check(
            vk.enumerateDeviceExtensionProperties(handle, nil, &extensionCount, nil),
            "vkEnumerateDeviceExtensionProperties")
        var extensionProps = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(extensionCount))
        try check(
            vk.enumerateDeviceExtensionProperties(handle, nil, &extensionCount, &extensionProps),
            "vkEnumerateDeviceExtensionProperties")
        return Set(extensionProps.prefix(Int(extensionCount)).map { string(fromCTuple: $0.extensionName) })
    }

    /// The core properties with driver, subgroup and maintenance properties, chaining only structures the device knows.
    private static func queryProperties(_ vk: InstanceFunctions, _ handle: VkPhysicalDevice, extensions: Set<String>)
        -> ChainedProperties
    {
        // Properties chain: base → subgroup → maintenance3 (→ driver on 1.2 or VK_KHR_driver_properties → maintenance4 on 1.3).
        let maintenance4 = ChainLink(
            VkPhysicalDeviceMaintenance4Properties(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES)
        let maintenance3 = ChainLink(
            VkPhysicalDeviceMaintenance3Properties(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES)
        let subgroup = ChainLink(
            VkPhysicalDeviceSubgroupProperties(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES)
        let driver = ChainLink(VkPhysicalDeviceDriverProperties(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES)
        let properties = ChainLink(VkPhysicalDeviceProperties2(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2)

        // Query the API version first, so only structures the device knows are chained.
        vk.getPhysicalDeviceProperties2(handle, properties.pointer)
        let api = VulkanVersion(packed: properties.pointer.pointee.properties.apiVersion)
        let hasDriverProperties = api >= VulkanVersion(1, 2) || extensions.contains("VK_KHR_driver_properties")
        properties.pointer.pointee.pNext = UnsafeMutableRawPointer(subgroup.pointer)
        subgroup.pointer.pointee.pNext = UnsafeMutableRawPointer(maintenance3.pointer)
        if hasDriverProperties { maintenance3.pointer.pointee.pNext = UnsafeMutableRawPointer(driver.pointer) }
        if api >= VulkanVersion(1, 3) { driver.pointer.pointee.pNext = UnsafeMutableRawPointer(maintenance4.pointer) }
        // Every link stays alive until the chain has been filled and read.
        return withExtendedLifetime((maintenance4, maintenance3, subgroup, driver)) {
            vk.getPhysicalDeviceProperties2(handle, properties.pointer)
            return ChainedProperties(
                core: properties.pointer.pointee.properties,
                api: api,
                driverName: hasDriverProperties ? string(fromCTuple: driver.pointer.pointee.driverName) : "unknown",
                driverInfo: hasDriverProperties ? string(fromCTuple: driver.pointer.pointee.driverInfo) : "",
                maxMemoryAllocationSize: maintenance3.pointer.pointee.maxMemoryAllocationSize,
                maxBufferSize: api >= VulkanVersion(1, 3) ? maintenance4.pointer.pointee.maxBufferSize : nil,
                subgroupSize: subgroup.pointer.pointee.subgroupSize
            )
        }
    }

    /// The limits this engine uses, from the queried properties.
    private static func computeLimits(_ properties: ChainedProperties) -> ComputeLimits {
        let l = properties.core.limits
        return ComputeLimits(
            maxWorkGroupSize: l.maxComputeWorkGroupSize,
            maxWorkGroupInvocations: l.maxComputeWorkGroupInvocations,
            maxWorkGroupCount: l.maxComputeWorkGroupCount,
            maxSharedMemoryBytes: l.maxComputeSharedMemorySize,
            maxStorageBufferRange: UInt64(l.maxStorageBufferRange),
            maxPushConstantsBytes: l.maxPushConstantsSize,
            minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
            maxMemoryAllocationSize: properties.maxMemoryAllocationSize,
            // Before 1.3 there is no maxBufferSize; an allocation's size is the practical bound.
            maxBufferSize: properties.maxBufferSize ?? properties.maxMemoryAllocationSize,
            subgroupSize: properties.subgroupSize,
            timestampPeriodNanoseconds: l.timestampPeriod
        )
    }

    /// The device's memory heaps.
    private static func queryMemoryHeaps(_ vk: InstanceFunctions, _ handle: VkPhysicalDevice) -> [MemoryHeap] {
        var memory = VkPhysicalDeviceMemoryProperties()
        vk.getPhysicalDeviceMemoryProperties(handle, &memory)
        return withUnsafeBytes(of: memory.memoryHeaps) { raw in
            raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount)).map {
                MemoryHeap(size: $0.size, deviceLocal: $0.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0)
            }
        }
    }

    /// The device's queue families, in index order.
    private static func queryQueueFamilies(_ vk: InstanceFunctions, _ handle: VkPhysicalDevice)
        -> [VkQueueFamilyProperties]
    {
        var familyCount: UInt32 = 0
        vk.getPhysicalDeviceQueueFamilyProperties(handle, &familyCount, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(familyCount))
        vk.getPhysicalDeviceQueueFamilyProperties(handle, &familyCount, &families)
        return Array(families.prefix(Int(familyCount)))
    }

    /// The optional capabilities: 16-bit storage, from 1.2 float16/int8 and 8-bit storage, cooperative-matrix
    /// extensions, and `timestamps` as worked out from the limits and the compute queue family.
    private static func queryFeatures(
        _ vk: InstanceFunctions, _ handle: VkPhysicalDevice, api: VulkanVersion,
        extensions: Set<String>, timestamps: Bool
    ) -> ComputeFeatures {
        let chain = FeatureChain(api: api)
        return withExtendedLifetime(chain) {
            vk.getPhysicalDeviceFeatures2(handle, chain.head)
            var f = chain.features
            f.cooperativeMatrixKHR = extensions.contains("VK_KHR_cooperative_matrix")
            f.cooperativeMatrixNV = extensions.contains("VK_NV_cooperative_matrix")
            f.timestamps = timestamps
            return f
        }
    }
}

/// A heap-allocated Vulkan structure with its `sType` set, for `pNext` chains that outlive one call.
final class ChainLink<T> {
    let pointer: UnsafeMutablePointer<T>

    init(_ value: T, _ type: VkStructureType) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: value)
        // Every chainable structure starts with `sType`.
        UnsafeMutableRawPointer(pointer).storeBytes(of: type, as: VkStructureType.self)
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
