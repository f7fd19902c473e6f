import Foundation
import Tensors
import TensorsVulkan
import VulkanCompute

/// The Vulkan device the tests run on, as the test environment asks: `BIGBIGAN_DEVICE` chooses it,
/// `BIGBIGAN_VALIDATION=1` turns on the validation layer (every message fails a test) and `BIGBIGAN_CACHE_DIR`
/// keeps compiled shaders (`tools/test.sh` sets a fresh one). The libraries never read these; the tests map them.
public enum TestDevice {
    /// How the tests open devices.
    public static let deviceOptions: VulkanBackend.DeviceOptions = {
        let environment = ProcessInfo.processInfo.environment
        return VulkanBackend.DeviceOptions(
            device: environment["BIGBIGAN_DEVICE"], validation: environment["BIGBIGAN_VALIDATION"] == "1",
            cacheDirectory: environment["BIGBIGAN_CACHE_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) })
    }()

    /// One context shared by all tests; each test makes its own `VulkanBackend`, since backends are
    /// single-threaded and Swift Testing runs tests in parallel.
    public static let context: Result<VulkanContext, any Error> = Result {
        try VulkanBackend.openContext(deviceOptions)
    }

    /// A new backend on the shared context.
    public static func vulkan(_ options: VulkanBackend.Options = .init()) throws -> VulkanBackend {
        try VulkanBackend(context: context.get(), options: options)
    }

    /// A new backend on the shared context with `precision` storage.
    public static func vulkan(precision: Precision) throws -> VulkanBackend {
        try vulkan(.init(precision: precision))
    }
}
