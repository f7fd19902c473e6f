import CVulkan

/// Every failure of the Vulkan layer, each with a message a user can act on.
public enum VulkanError: Error, CustomStringConvertible, Sendable {
    /// `libvulkan.so.1` could not be opened.
    case loaderUnavailable(String)
    /// A required entry point is missing from the loader or driver.
    case missingFunction(String)
    /// A Vulkan call returned an error code.
    case call(String, Int32)
    /// No Vulkan device exists, or none matches the user's choice.
    case noDevice(String)
    /// A device or host allocation failed.
    case outOfMemory(String)
    /// A request exceeds a device limit (binding range, workgroup count, push-constant size…).
    case limitExceeded(String)
    /// A shader source file was found neither in the override directory nor among the built-in files.
    case shaderNotFound(name: String, searched: [String])
    /// glslang rejected a shader.
    case shaderCompilation(name: String, log: String)
    /// The Khronos validation layer reported problems.
    case validation([String])
    /// A caller passed something this layer cannot use.
    case invalidArgument(String)
    /// The device lacks an optional feature that a requested mode needs.
    case missingFeature(String)

    public var description: String {
        switch self {
        case .loaderUnavailable(let why):
            return
                "Vulkan loader unavailable: \(why). Install a Vulkan loader and driver (Debian: apt install libvulkan1 mesa-vulkan-drivers) or use --device cpu."
        case .missingFunction(let name): return "Vulkan entry point \(name) is not available from the loader or driver"
        case .call(let fn, let code): return "\(fn) failed: \(VulkanError.resultName(code))"
        case .noDevice(let why): return "no usable Vulkan device: \(why)"
        case .outOfMemory(let why): return "out of memory: \(why)"
        case .limitExceeded(let why): return "device limit exceeded: \(why)"
        case .shaderNotFound(let name, let searched):
            return "shader file \(name) not found; searched: \(searched.joined(separator: ", "))"
        case .shaderCompilation(let name, let log): return "shader \(name) failed to compile:\n\(log)"
        case .validation(let messages):
            return "Vulkan validation layer reported \(messages.count) problem(s):\n" + messages.joined(separator: "\n")
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .missingFeature(let why): return "missing device feature: \(why)"
        }
    }

    static func resultName(_ code: Int32) -> String {
        switch code {
        case -1: return "VK_ERROR_OUT_OF_HOST_MEMORY"
        case -2: return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case -3: return "VK_ERROR_INITIALIZATION_FAILED"
        case -4: return "VK_ERROR_DEVICE_LOST"
        case -5: return "VK_ERROR_MEMORY_MAP_FAILED"
        case -6: return "VK_ERROR_LAYER_NOT_PRESENT"
        case -7: return "VK_ERROR_EXTENSION_NOT_PRESENT"
        case -8: return "VK_ERROR_FEATURE_NOT_PRESENT"
        case -9: return "VK_ERROR_INCOMPATIBLE_DRIVER"
        case -10: return "VK_ERROR_TOO_MANY_OBJECTS"
        case -11: return "VK_ERROR_FORMAT_NOT_SUPPORTED"
        case -12: return "VK_ERROR_FRAGMENTED_POOL"
        case -1_000_069_000: return "VK_ERROR_OUT_OF_POOL_MEMORY"
        case 2: return "VK_TIMEOUT"
        case 5: return "VK_INCOMPLETE"
        default: return "VkResult \(code)"
        }
    }
}

/// Throws `VulkanError` for any negative `VkResult`; out-of-memory codes become `.outOfMemory`.
@inline(__always)
func check(_ result: VkResult, _ function: @autoclosure () -> String) throws {
    let code = result.rawValue
    guard code < 0 else { return }
    if code == -1 || code == -2 {
        throw VulkanError.outOfMemory("\(function()) returned \(VulkanError.resultName(code))")
    }
    throw VulkanError.call(function(), code)
}
