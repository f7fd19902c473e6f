import ArgumentParser
import Foundation
import Tensors
import TensorsVulkan

/// Creates the backend a user asked for: `cpu` for the reference backend, otherwise a Vulkan device chosen
/// by index or name substring (nil or empty: the best device; see `DeviceSelection`), configured from the
/// `BIGBIGAN_*` variables.
enum Backends {
    /// The backend for `choice` (see the type's description).
    /// `precision` is the Vulkan storage type; the CPU reference is fp32 only and rejects `.fp16`.
    static func make(device choice: String?, precision: Precision = .fp32) throws -> any Backend {
        if choice?.lowercased() == "cpu" {
            guard precision == .fp32 else {
                throw TensorError.unsupported(
                    op: "backend",
                    "the CPU reference computes and stores fp32 only; \(precision.rawValue) needs a Vulkan device")
            }
            return CPUBackend()
        }
        return try vulkan(device: choice, precision: precision)
    }

    /// A Vulkan backend on its own context; `timing` turns on per-dispatch timestamps (`bench`).
    static func vulkan(device choice: String?, timing: Bool = false, precision: Precision = .fp32) throws
        -> VulkanBackend
    {
        let environment = try Environment.current.get()
        return try VulkanBackend(
            context: VulkanBackend.openContext(environment.deviceOptions(choice: choice)),
            options: environment.backendOptions(timing: timing, precision: precision))
    }
}
