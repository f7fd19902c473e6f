import CVulkan
import Synchronization

/// Collects the Khronos validation layer's warnings and errors so callers can turn them into thrown errors.
final class ValidationMessenger: @unchecked Sendable {
    private let messages = Mutex<[String]>([])

    func record(_ message: String) { messages.withLock { $0.append(message) } }

    /// Returns and clears every message gathered so far.
    func drain() -> [String] {
        messages.withLock { m in
            defer { m.removeAll() }
            return m
        }
    }

    /// The C callback; `userData` is an unretained `ValidationMessenger`.
    static let callback: PFN_vkDebugUtilsMessengerCallbackEXT = { severity, _, data, userData in
        guard let userData, let data else { return VkBool32(VK_FALSE) }
        let messenger = Unmanaged<ValidationMessenger>.fromOpaque(userData).takeUnretainedValue()
        let id = data.pointee.pMessageIdName.map { String(cString: $0) } ?? "?"
        let text = data.pointee.pMessage.map { String(cString: $0) } ?? ""
        let level = severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue ? "error" : "warning"
        messenger.record("[\(level)] \(id): \(text)")
        return VkBool32(VK_FALSE)
    }
}
