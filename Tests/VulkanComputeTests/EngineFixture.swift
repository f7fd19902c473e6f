import Foundation
import TestSupport

@testable import VulkanCompute

/// A context on the test device whose shader library holds small test kernels instead of the model's.
enum EngineFixture {
    /// add_one: y = x + 1 + float(BIAS), BIAS a define; bindings 0 x (read), 1 y (write); push count.
    /// It includes helpers.glsl; broken.comp does not compile.
    static let shaderFiles: [String: String] = [
        "add_one.comp": """
        #version 450
        #extension GL_GOOGLE_include_directive : require
        #include "helpers.glsl"
        layout(local_size_x = 64) in;
        #ifndef BIAS
        #define BIAS 0
        #endif
        layout(constant_id = 0) const float SCALE = 1.0;
        layout(std430, binding = 0) readonly buffer X { float x[]; };
        layout(std430, binding = 1) writeonly buffer Y { float y[]; };
        layout(push_constant) uniform P { uint count; } p;
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < p.count) y[i] = plusOne(x[i]) * SCALE + float(BIAS);
        }
        """,
        "helpers.glsl": "float plusOne(float v) { return v + 1.0; }\n",
        "broken.comp": "#version 450\nvoid main() { this is not glsl }\n",
    ]

    static let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "bigbigan-engine-cache-\(getpid())")

    /// A new context with the test kernels on the test device; `diagnostics` hears about discarded cache entries.
    static func makeContext(
        cacheDirectory: URL? = nil, validation: Bool = TestDevice.deviceOptions.validation,
        diagnostics: (@Sendable (String) -> Void)? = nil
    ) throws -> VulkanContext {
        let shaders = ShaderLibrary(files: shaderFiles, cacheDirectory: cacheDirectory, diagnostics: diagnostics)
        return try VulkanContext(
            deviceChoice: TestDevice.deviceOptions.device, shaders: shaders, validation: validation)
    }

    static let context: Result<VulkanContext, any Error> = Result { try makeContext(cacheDirectory: cacheDirectory) }

    static func addOne(_ context: VulkanContext, scale: Float = 1) throws -> Kernel {
        try context.kernel(
            KernelDescriptor(shader: "add_one", bindings: 2, pushConstantBytes: 4, specialization: [.float(scale)]))
    }

    static func push(_ count: Int) -> PushConstants {
        var p = PushConstants()
        p.append(UInt32(count))
        return p
    }

    static func write(_ values: [Float], to allocation: DeviceAllocation) {
        values.withUnsafeBytes { allocation.mappedPointer!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    static func read(_ allocation: DeviceAllocation, count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: allocation.mappedPointer!.assumingMemoryBound(to: Float.self), count: count))
    }
}
