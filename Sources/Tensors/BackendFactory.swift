import Foundation
import VulkanCompute

/// Creates the backend a user asked for: `cpu` for the reference backend, otherwise a Vulkan device chosen
/// by index or name substring (nil or empty: the best device; see `DeviceSelection`).
public enum Backends {
    /// The device choice from `BIGBIGAN_DEVICE`, if set.
    public static var environmentChoice: String? { ProcessInfo.processInfo.environment["BIGBIGAN_DEVICE"] }

    /// The backend for `choice` (see the type's description); `timing` turns on per-dispatch timestamps on Vulkan.
    /// `precision` is the Vulkan storage type; the CPU reference is fp32 only and rejects `.fp16`.
    public static func make(device choice: String?, timing: Bool = false, precision: Precision = .fp32) throws -> any Backend {
        if choice?.lowercased() == "cpu" {
            guard precision == .fp32 else {
                throw TensorError.unsupported(op: "backend", "the CPU reference computes and stores fp32 only; \(precision.rawValue) needs a Vulkan device")
            }
            return CPUBackend()
        }
        let context = try VulkanContext(deviceChoice: choice, shaders: defaultShaderLibrary())
        return try VulkanBackend(context: context, timing: timing, precision: precision)
    }

    /// The shader library with the default search path and cache directory.
    public static func defaultShaderLibrary() -> ShaderLibrary {
        ShaderLibrary(searchDirectories: shaderSearchDirectories, cacheDirectory: ShaderLibrary.defaultCacheDirectory)
    }

    /// Where `*.comp` files are looked for, in order: `$BIGBIGAN_SHADER_DIR`; `Shaders/` beside the
    /// executable; `../share/bigbigan/Shaders` from the executable; the source tree this was built from.
    public static var shaderSearchDirectories: [URL] {
        var directories: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["BIGBIGAN_SHADER_DIR"], !dir.isEmpty {
            directories.append(URL(fileURLWithPath: dir))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        directories.append(executable.appendingPathComponent("Shaders"))
        directories.append(executable.appendingPathComponent("../share/bigbigan/Shaders").standardized)
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Shaders").standardized
        directories.append(sourceTree)
        return directories
    }
}
