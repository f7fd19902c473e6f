import CVulkan

/// The optional features this engine queries and enables, as one `pNext` chain: base → 16-bit storage (→ float16/int8
/// and 8-bit storage from Vulkan 1.2, whose structures older devices do not know). The chain owns its links: keep it
/// alive (`withExtendedLifetime`) while Vulkan reads or fills it, since under -O Swift may free an object right after
/// its last Swift use.
final class FeatureChain {
    private let base = ChainLink(VkPhysicalDeviceFeatures2(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2)
    private let storage16 = ChainLink(
        VkPhysicalDevice16BitStorageFeatures(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES)
    private let float16 = ChainLink(
        VkPhysicalDeviceShaderFloat16Int8Features(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES)
    private let storage8 = ChainLink(
        VkPhysicalDevice8BitStorageFeatures(), VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES)
    private let hasVulkan12Links: Bool

    init(api: VulkanVersion) {
        hasVulkan12Links = api >= VulkanVersion(1, 2)
        base.pointer.pointee.pNext = UnsafeMutableRawPointer(storage16.pointer)
        if hasVulkan12Links {
            storage16.pointer.pointee.pNext = UnsafeMutableRawPointer(float16.pointer)
            float16.pointer.pointee.pNext = UnsafeMutableRawPointer(storage8.pointer)
        }
    }

    /// The head, for `vkGetPhysicalDeviceFeatures2` or `VkDeviceCreateInfo.pNext`.
    var head: UnsafeMutablePointer<VkPhysicalDeviceFeatures2> { base.pointer }

    /// The storage and arithmetic features the chain holds; the Vulkan 1.2 ones stay false on older devices.
    var features: ComputeFeatures {
        var f = ComputeFeatures()
        f.storageBuffer16BitAccess = storage16.pointer.pointee.storageBuffer16BitAccess != 0
        if hasVulkan12Links {
            f.shaderFloat16 = float16.pointer.pointee.shaderFloat16 != 0
            f.shaderInt8 = float16.pointer.pointee.shaderInt8 != 0
            f.storageBuffer8BitAccess = storage8.pointer.pointee.storageBuffer8BitAccess != 0
        }
        return f
    }

    /// Sets the chain to request the storage and arithmetic features of `features`.
    func request(_ features: ComputeFeatures) {
        func bool(_ value: Bool) -> VkBool32 { VkBool32(value ? 1 : 0) }
        storage16.pointer.pointee.storageBuffer16BitAccess = bool(features.storageBuffer16BitAccess)
        guard hasVulkan12Links else { return }
        float16.pointer.pointee.shaderFloat16 = bool(features.shaderFloat16)
        float16.pointer.pointee.shaderInt8 = bool(features.shaderInt8)
        storage8.pointer.pointee.storageBuffer8BitAccess = bool(features.storageBuffer8BitAccess)
    }
}
