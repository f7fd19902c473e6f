import Foundation
import Tensors
import TensorsVulkan
import Testing
import VulkanCompute

/// Every shader compiles with the reference compiler (`glslangValidator`), and both its output and ours
/// (glslang's C API at run time) pass `spirv-val` for Vulkan 1.2.
@Suite("shader validation")
struct ShaderValidationTests {
    static let shaderDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../Shaders"
    ).standardized

    static var shaderNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: shaderDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".comp") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test func everyOpFamilyHasAShader() {
        let names = Set(Self.shaderNames)
        for required in [
            "unary", "conv2d", "matmul", "batchnorm", "binary", "crelu", "channels", "softmax",
            "upsample_nearest", "resize", "pool2d", "global_avg_pool", "attention", "reduce", "select", "rearrange",
            "concat",
        ] {
            #expect(names.contains(required), "Shaders/\(required).comp is missing")
        }
    }

    /// The binary's built-in shaders are exactly the files of `Shaders/`, so the validated sources are the ones
    /// that run.
    @Test func builtInShadersMatchTheSourceTree() throws {
        let builtIn = VulkanBackend.shaderLibrary(.init()).files
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.shaderDirectory.path).filter {
            $0.hasSuffix(".comp") || $0.hasSuffix(".glsl")
        }
        #expect(Set(builtIn.keys) == Set(onDisk))
        for name in onDisk {
            #expect(
                try builtIn[name]
                    == String(contentsOf: Self.shaderDirectory.appendingPathComponent(name), encoding: .utf8), "\(name)"
            )
        }
    }

    /// Each shader, plus each variant selected by a define it tests with `#ifdef`, and all of these again
    /// with fp16 storage (`STORAGE_FP16`) for shaders that include `common.glsl`.
    static var variants: [String] {
        shaderNames.flatMap { name -> [String] in
            let source =
                (try? String(contentsOf: shaderDirectory.appendingPathComponent(name + ".comp"), encoding: .utf8)) ?? ""
            var seen = Set<String>()
            let defines = source.split(separator: "\n").filter { $0.hasPrefix("#ifdef ") }.map {
                String($0.dropFirst(7))
            }
            .filter { seen.insert($0).inserted }  // a define tested twice is one variant (and one temporary folder)
            let fp32 = [name] + defines.map { "\(name)+\($0)" }
            return source.contains("#include \"common.glsl\"") ? fp32 + fp32.map { $0 + "+STORAGE_FP16" } : fp32
        }
    }

    @Test(arguments: ShaderValidationTests.variants)
    func validates(variant: String) throws {
        let parts = variant.split(separator: "+").map(String.init)
        let name = parts[0]
        let defines = parts.dropFirst().map { ($0, "1") }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "shader-validation-\(getpid())-\(variant)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let source = Self.shaderDirectory.appendingPathComponent(name + ".comp")
        let reference = temporary.appendingPathComponent("reference.spv")
        let ours = temporary.appendingPathComponent("ours.spv")

        let compiled = try run(
            "glslangValidator",
            ["-V", "--target-env", "vulkan1.2", "-I" + Self.shaderDirectory.path]
                + defines.map { "-D\($0.0)=\($0.1)" } + ["-o", reference.path, source.path])
        #expect(compiled.status == 0, "glslangValidator rejected \(name).comp:\n\(compiled.output)")
        let referenceCheck = try run("spirv-val", ["--target-env", "vulkan1.2", reference.path])
        #expect(
            referenceCheck.status == 0, "spirv-val rejected glslangValidator's \(name).spv:\n\(referenceCheck.output)")

        let library = VulkanBackend.shaderLibrary(.init())
        let words = try library.spirv(name: name, defines: defines)
        try Data(words.withUnsafeBytes { Data($0) }).write(to: ours)
        let ourCheck = try run("spirv-val", ["--target-env", "vulkan1.2", ours.path])
        #expect(ourCheck.status == 0, "spirv-val rejected the runtime-compiled \(name).spv:\n\(ourCheck.output)")
        if parts.contains("STORAGE_FP16") {
            // fp16 storage must need only storageBuffer16BitAccess: any half arithmetic or half constant would
            // declare the Float16 capability (shaderFloat16), which the backend does not require.
            #expect(
                !Self.declaresCapability(Self.float16Capability, words),
                "\(variant) computes in half precision somewhere")
        }
    }

    static let float16Capability: UInt32 = 9

    /// Whether a SPIR-V module has `OpCapability capability` (opcode 17, two words).
    static func declaresCapability(_ capability: UInt32, _ words: [UInt32]) -> Bool {
        var i = 5  // after the header
        while i < words.count {
            let count = Int(words[i] >> 16)
            let opcode = words[i] & 0xFFFF
            if opcode == 17, i + 1 < words.count, words[i + 1] == capability { return true }
            i += max(count, 1)
        }
        return false
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
