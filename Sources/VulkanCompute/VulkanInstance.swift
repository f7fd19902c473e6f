import CVulkan
import Foundation

/// A Vulkan instance, optionally with the Khronos validation layer whose messages become errors.
public final class VulkanInstance: @unchecked Sendable {
    let handle: VkInstance
    let vk: InstanceFunctions
    let loader: VulkanLoader
    let messenger: ValidationMessenger?
    private var messengerHandle: VkDebugUtilsMessengerEXT?

    /// Whether the validation layer is enabled on this instance.
    public var validationEnabled: Bool { messenger != nil }

    /// Creates an instance. With `validation`, enables `VK_LAYER_KHRONOS_validation` and routes its warnings
    /// and errors to `drainValidationMessages()`.
    public init(applicationName: String = "bigbigan", validation: Bool = false) throws {
        let loader = try VulkanLoader.shared.get()
        let global = try GlobalFunctions(loader)
        self.loader = loader

        var apiVersion = VulkanVersion(1, 0).packed
        if let enumerate = global.enumerateInstanceVersion {
            var v: UInt32 = 0
            if enumerate(&v).rawValue == 0 { apiVersion = min(v, VulkanVersion(1, 3).packed) }
        }
        guard apiVersion >= VulkanVersion(1, 1).packed else {
            throw VulkanError.noDevice(
                "the Vulkan loader supports only \(VulkanVersion(packed: apiVersion)); 1.1 or newer is required")
        }

        var layers: [String] = []
        var extensions: [String] = []
        let available = try Self.instanceExtensions(global)
        if available.contains("VK_KHR_portability_enumeration") { extensions.append("VK_KHR_portability_enumeration") }
        if validation {
            guard try Self.instanceLayers(global).contains("VK_LAYER_KHRONOS_validation") else {
                throw VulkanError.invalidArgument(
                    "validation was requested but VK_LAYER_KHRONOS_validation is not installed (Debian: apt install vulkan-validationlayers)"
                )
            }
            guard available.contains("VK_EXT_debug_utils") else {
                throw VulkanError.invalidArgument("validation was requested but VK_EXT_debug_utils is unavailable")
            }
            layers.append("VK_LAYER_KHRONOS_validation")
            extensions.append("VK_EXT_debug_utils")
        }
        let messenger = validation ? ValidationMessenger() : nil
        self.messenger = messenger

        let layerNames = CStringArray(layers)
        let extensionNames = CStringArray(extensions)
        var instance: VkInstance?
        let result = applicationName.withCString { appName -> VkResult in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = appName
            app.pEngineName = appName
            app.apiVersion = apiVersion
            return withUnsafePointer(to: &app) { appPointer in
                layerNames.pointers.withUnsafeBufferPointer { layerPointers in
                    extensionNames.pointers.withUnsafeBufferPointer { extensionPointers in
                        var info = VkInstanceCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                        info.pApplicationInfo = appPointer
                        if extensions.contains("VK_KHR_portability_enumeration") {
                            info.flags = VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR.rawValue
                        }
                        info.enabledLayerCount = layerNames.count
                        info.ppEnabledLayerNames = layerPointers.baseAddress
                        info.enabledExtensionCount = extensionNames.count
                        info.ppEnabledExtensionNames = extensionPointers.baseAddress
                        return global.createInstance(&info, nil, &instance)
                    }
                }
            }
        }
        if result.rawValue == -9 {
            throw VulkanError.noDevice(
                "no Vulkan driver is installed (VK_ERROR_INCOMPATIBLE_DRIVER); Debian: apt install mesa-vulkan-drivers")
        }
        try check(result, "vkCreateInstance")
        guard let instance else { throw VulkanError.call("vkCreateInstance", -3) }
        handle = instance
        vk = try InstanceFunctions(loader, instance)

        if let messenger {
            guard let create = vk.createDebugUtilsMessenger else {
                throw VulkanError.missingFunction("vkCreateDebugUtilsMessengerEXT")
            }
            var info = VkDebugUtilsMessengerCreateInfoEXT()
            info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
            info.messageSeverity =
                VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue
            info.messageType =
                VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue
            info.pfnUserCallback = ValidationMessenger.callback
            info.pUserData = Unmanaged.passUnretained(messenger).toOpaque()
            var handle: VkDebugUtilsMessengerEXT?
            try check(create(instance, &info, nil, &handle), "vkCreateDebugUtilsMessengerEXT")
            messengerHandle = handle
        }
    }

    deinit {
        if let messengerHandle { vk.destroyDebugUtilsMessenger?(handle, messengerHandle, nil) }
        vk.destroyInstance(handle, nil)
    }

    /// Returns and clears the validation messages gathered so far (always empty without validation).
    public func drainValidationMessages() -> [String] { messenger?.drain() ?? [] }

    /// Throws `VulkanError.validation` if the layer has reported anything since the last check.
    public func checkValidation() throws {
        let messages = drainValidationMessages()
        if !messages.isEmpty { throw VulkanError.validation(messages) }
    }

    /// Every physical device the loader reports, with its properties.
    public func physicalDevices() throws -> [PhysicalDevice] {
        var count: UInt32 = 0
        try check(vk.enumeratePhysicalDevices(handle, &count, nil), "vkEnumeratePhysicalDevices")
        var devices = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try check(vk.enumeratePhysicalDevices(handle, &count, &devices), "vkEnumeratePhysicalDevices")
        return try devices.prefix(Int(count)).enumerated().compactMap { index, device in
            try device.map { try PhysicalDevice(instance: self, handle: $0, index: index) }
        }
    }

    private static func instanceLayers(_ global: GlobalFunctions) throws -> Set<String> {
        var count: UInt32 = 0
        try check(global.enumerateInstanceLayerProperties(&count, nil), "vkEnumerateInstanceLayerProperties")
        var props = [VkLayerProperties](repeating: VkLayerProperties(), count: Int(count))
        try check(global.enumerateInstanceLayerProperties(&count, &props), "vkEnumerateInstanceLayerProperties")
        return Set(props.prefix(Int(count)).map { string(fromCTuple: $0.layerName) })
    }

    private static func instanceExtensions(_ global: GlobalFunctions) throws -> Set<String> {
        var count: UInt32 = 0
        try check(
            global.enumerateInstanceExtensionProperties(nil, &count, nil), "vkEnumerateInstanceExtensionProperties")
        var props = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
        try check(
            global.enumerateInstanceExtensionProperties(nil, &count, &props), "vkEnumerateInstanceExtensionProperties")
        return Set(props.prefix(Int(count)).map { string(fromCTuple: $0.extensionName) })
    }
}
