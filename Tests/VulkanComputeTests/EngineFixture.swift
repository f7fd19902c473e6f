import Foundation
@testable import VulkanCompute

/// A context on the default device with a private shader directory holding small test kernels.
enum EngineFixture {
    static let shaderDirectory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bigbigan-engine-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // add_one: y = x + 1 + float(BIAS), BIAS a define; bindings 0 x (read), 1 y (write); push count.
        let addOne = """
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
        """
        try? addOne.write(to: dir.appendingPathComponent("add_one.comp"), atomically: true, encoding: .utf8)
        try? "float plusOne(float v) { return v + 1.0; }\n".write(to: dir.appendingPathComponent("helpers.glsl"), atomically: true, encoding: .utf8)
        try? "#version 450\nvoid main() { this is not glsl }\n".write(to: dir.appendingPathComponent("broken.comp"), atomically: true, encoding: .utf8)
        return dir
    }()

    static let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bigbigan-engine-cache-\(getpid())")

    static let context: Result<VulkanContext, any Error> = Result {
        try VulkanContext(deviceChoice: ProcessInfo.processInfo.environment["BIGBIGAN_DEVICE"],
                          shaders: ShaderLibrary(searchDirectories: [shaderDirectory], cacheDirectory: cacheDirectory))
    }

    static func addOne(_ context: VulkanContext, scale: Float = 1) throws -> Kernel {
        try context.kernel(KernelDescriptor(shader: "add_one", bindings: 2, pushConstantBytes: 4, specialization: [.float(scale)]))
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
