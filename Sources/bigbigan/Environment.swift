import ArgumentParser
import Foundation
import Tensors
import TensorsVulkan

/// The `BIGBIGAN_*` variables, read and checked once. Only the executable reads the environment; the libraries
/// take what it finds as options. A value outside a variable's allowed set is a usage error naming both.
struct Environment {
    /// `BIGBIGAN_DEVICE`: the device when `--device` is not given.
    var device: String?
    /// `BIGBIGAN_VALIDATION=1`: the Khronos validation layer, its messages turned into errors.
    var validation = false
    /// `BIGBIGAN_CACHE_DIR` (empty: no disk cache), else `$XDG_CACHE_HOME/bigbigan`, else `~/.cache/bigbigan`.
    var cacheDirectory: URL?
    /// `BIGBIGAN_SHADER_DIR`: shader files read from here instead of the built-in copies (development).
    var shaderDirectory: URL?
    /// `BIGBIGAN_CONV=auto|gemm|direct`.
    var kernels = KernelChoice.automatic
    /// `BIGBIGAN_WINOGRAD=auto|on|off`.
    var winograd = WinogradChoice.automatic

    /// The process's variables, or the first invalid one's error.
    static let current = Result { try Environment(ProcessInfo.processInfo.environment) }

    init(_ variables: [String: String]) throws {
        func value(_ name: String) -> String? { variables[name].flatMap { $0.isEmpty ? nil : $0 } }
        func choice<T>(_ name: String, _ allowed: KeyValuePairs<String, T>, default fallback: T) throws -> T {
            guard let text = value(name) else { return fallback }
            guard let match = allowed.first(where: { $0.key == text.lowercased() }) else {
                throw ValidationError(
                    "\(name)=\(text) is not valid; allowed values: \(allowed.map(\.key).joined(separator: ", "))")
            }
            return match.value
        }
        device = value("BIGBIGAN_DEVICE")
        validation = try choice("BIGBIGAN_VALIDATION", ["0": false, "1": true], default: false)
        kernels = try choice(
            "BIGBIGAN_CONV", ["auto": .automatic, "gemm": .tiledGEMM, "direct": .direct], default: .automatic)
        winograd = try choice(
            "BIGBIGAN_WINOGRAD", ["auto": .automatic, "on": .always, "off": .never], default: .automatic)
        shaderDirectory = value("BIGBIGAN_SHADER_DIR").map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let shaderDirectory, !FileManager.default.fileExists(atPath: shaderDirectory.path) {
            throw ValidationError(
                "BIGBIGAN_SHADER_DIR=\(shaderDirectory.path) does not exist; unset it to use the built-in shaders")
        }
        if let cache = variables["BIGBIGAN_CACHE_DIR"] {
            cacheDirectory = cache.isEmpty ? nil : URL(fileURLWithPath: cache, isDirectory: true)
        } else if let xdg = value("XDG_CACHE_HOME") {
            cacheDirectory = URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("bigbigan")
        } else if let home = value("HOME") {
            cacheDirectory = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/bigbigan")
        }
    }

    /// How to open the device `choice` (or `BIGBIGAN_DEVICE` when nil).
    func deviceOptions(choice: String?) -> VulkanBackend.DeviceOptions {
        .init(
            device: choice ?? device, validation: validation, cacheDirectory: cacheDirectory,
            shaderDirectory: shaderDirectory,
            cacheDiagnostics: { Console.note($0) })
    }

    func backendOptions(timing: Bool = false, precision: Precision) -> VulkanBackend.Options {
        .init(precision: precision, kernels: kernels, winograd: winograd, timing: timing)
    }
}
