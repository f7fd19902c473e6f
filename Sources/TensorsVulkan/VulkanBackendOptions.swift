import Foundation
import Tensors
import VulkanCompute

extension VulkanBackend {
    /// How a backend stores tensors and picks its kernels. Every field has the default a user wants; tests and
    /// benchmarks pin the rest.
    public struct Options: Sendable {
        /// The storage type of tensors; `.fp16` needs 16-bit storage buffer access.
        public var precision: Precision = .fp32
        /// The kernels for convolutions and matrix products.
        public var kernels: KernelChoice = .automatic
        /// When stride-1 3×3 convolutions run as Winograd F(4×4, 3×3).
        public var winograd: WinogradChoice = .automatic
        /// Device memory for the transformed tiles of one Winograd pass; larger batches run in several passes.
        public var winogradWorkspaceBytes = 256 << 20
        /// Whether transformed Winograd filters are kept with their weights (see `cachesWinogradFilters`).
        public var cachesWinogradFilters = true
        /// Time every dispatch with timestamp queries (`lastTimings`), for `bench`.
        public var timing = false
        /// Copy through staging memory even where device memory is mappable, as on GPUs whose device-local
        /// memory is not; tests use it to cover that path on lavapipe.
        public var alwaysStage = false

        public init(
            precision: Precision = .fp32, kernels: KernelChoice = .automatic, winograd: WinogradChoice = .automatic,
            timing: Bool = false
        ) {
            self.precision = precision
            self.kernels = kernels
            self.winograd = winograd
            self.timing = timing
        }
    }

    /// Which Vulkan device to open and how: shared by every backend on the resulting context.
    public struct DeviceOptions: Sendable {
        /// A device index or name substring (see `DeviceSelection`); nil picks the best device.
        public var device: String?
        /// Enables the Khronos validation layer; its messages become errors (`VulkanContext.checkValidation`).
        public var validation = false
        /// Where compiled SPIR-V and the driver's pipeline cache are kept between runs; nil keeps them in memory only.
        public var cacheDirectory: URL?
        /// A development override: shader files found here replace the copies built into the binary.
        public var shaderDirectory: URL?
        /// Told one line for each entry of `cacheDirectory` discarded and rebuilt (damaged, truncated, made for
        /// another key, or rejected by the driver); nil ignores them (`ShaderLibrary.diagnostics`).
        public var cacheDiagnostics: (@Sendable (String) -> Void)?

        public init(
            device: String? = nil, validation: Bool = false, cacheDirectory: URL? = nil, shaderDirectory: URL? = nil,
            cacheDiagnostics: (@Sendable (String) -> Void)? = nil
        ) {
            self.device = device
            self.validation = validation
            self.cacheDirectory = cacheDirectory
            self.shaderDirectory = shaderDirectory
            self.cacheDiagnostics = cacheDiagnostics
        }
    }

    /// The backend's shaders: the built-in copies of `Shaders/`, or the files of `options.shaderDirectory`.
    public static func shaderLibrary(_ options: DeviceOptions) -> ShaderLibrary {
        ShaderLibrary(
            files: BuiltInShaders.files, overrideDirectory: options.shaderDirectory,
            cacheDirectory: options.cacheDirectory,
            diagnostics: options.cacheDiagnostics)
    }

    /// Opens the device `options` chooses, with the backend's shaders.
    public static func openContext(_ options: DeviceOptions) throws -> VulkanContext {
        try VulkanContext(deviceChoice: options.device, shaders: shaderLibrary(options), validation: options.validation)
    }
}
