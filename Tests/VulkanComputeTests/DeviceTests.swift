import CVulkan
import Testing

@testable import VulkanCompute

@Suite("devices")
struct DeviceTests {
    @Test func enumeratesAndReportsLimits() throws {
        let devices = try VulkanInstance(validation: false).physicalDevices()
        #expect(!devices.isEmpty)
        for d in devices {
            #expect(!d.name.isEmpty)
            #expect(d.limits.maxStorageBufferRange >= 1 << 27, "Vulkan guarantees at least 2^27 bytes")
            #expect(d.limits.maxWorkGroupInvocations >= 128)
            #expect(d.limits.maxSharedMemoryBytes >= 16384)
            #expect(d.pipelineCacheUUID.count == 16)
            #expect(!d.heaps.isEmpty)
        }
    }

    @Test func choosesByKindIndexAndName() throws {
        let devices = try VulkanInstance(validation: false).physicalDevices()
        let best = try DeviceSelection.choose(from: devices, choice: nil)
        #expect(devices.allSatisfy { best.kind.rank <= $0.kind.rank })
        let byIndex = try DeviceSelection.choose(from: devices, choice: String(best.index))
        #expect(byIndex.index == best.index)
        let fragment = String(best.name.prefix(4)).uppercased()
        #expect(try DeviceSelection.choose(from: devices, choice: fragment).name.uppercased().contains(fragment))
        #expect(throws: VulkanError.self) { try DeviceSelection.choose(from: devices, choice: "no-such-device-name") }
        #expect(throws: VulkanError.self) { try DeviceSelection.choose(from: devices, choice: "99") }
        #expect(throws: VulkanError.self) { try DeviceSelection.choose(from: [], choice: nil) }
    }

    @Test func rankingPrefersDiscreteOverCPU() {
        #expect(DeviceKind.discreteGPU < .integratedGPU)
        #expect(DeviceKind.integratedGPU < .virtualGPU)
        #expect(DeviceKind.virtualGPU < .cpu)
    }

    /// The validation layer's messages must surface as errors: an invalid vkCreateBuffer (size 0) is reported.
    @Test func validationMessagesBecomeErrors() throws {
        let instance = try VulkanInstance(validation: true)
        let physical = try DeviceSelection.choose(from: instance.physicalDevices(), choice: nil)
        let context = try VulkanContext(
            physicalDevice: physical, shaders: ShaderLibrary(files: [:], cacheDirectory: nil))
        try context.checkValidation()
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = 0
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue
        var buffer: VkBuffer?
        _ = context.vk.createBuffer(context.device, &info, nil, &buffer)
        if let buffer { context.vk.destroyBuffer(context.device, buffer, nil) }
        do {
            try context.checkValidation()
            Issue.record("the validation layer did not report a zero-sized buffer")
        } catch VulkanError.validation(let messages) {
            #expect(messages.contains { $0.contains("VUID-VkBufferCreateInfo-size-00912") })
        }
    }
}
