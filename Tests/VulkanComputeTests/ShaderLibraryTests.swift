import Foundation
import Testing

@testable import VulkanCompute

@Suite("shader library")
struct ShaderLibraryTests {
    @Test func expandsIncludesAndDefines() throws {
        let library = ShaderLibrary(files: EngineFixture.shaderFiles, cacheDirectory: nil)
        let source = try library.expandedSource(name: "add_one", defines: [("BIAS", "3")])
        #expect(source.contains("float plusOne(float v)"))
        #expect(!source.contains("#include"))
        let lines = source.split(separator: "\n")
        #expect(lines[0] == "#version 450" && lines[1] == "#define BIAS 3", "defines go right after #version")
    }

    @Test func cachesSPIRVOnDisk() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spv-cache-\(UInt32.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: cache) }
        let first = ShaderLibrary(files: EngineFixture.shaderFiles, cacheDirectory: cache)
        let words = try first.spirv(name: "add_one", defines: [("BIAS", "2")])
        #expect(words.first == 0x0723_0203)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("spirv").path)
        #expect(files.count == 1)
        // A fresh library reads the same words back; a different define is a different entry.
        let second = ShaderLibrary(files: EngineFixture.shaderFiles, cacheDirectory: cache)
        #expect(try second.spirv(name: "add_one", defines: [("BIAS", "2")]) == words)
        #expect(try second.spirv(name: "add_one", defines: [("BIAS", "5")]) != words)
    }

    /// Files in the override directory replace built-in files of the same name, included ones too; the others
    /// still come from the built-in set.
    @Test func overrideDirectoryReplacesBuiltInFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "shader-override-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "float plusOne(float v) { return v + 100.0; }\n".write(
            to: directory.appendingPathComponent("helpers.glsl"), atomically: true, encoding: .utf8)
        let library = ShaderLibrary(files: EngineFixture.shaderFiles, overrideDirectory: directory, cacheDirectory: nil)
        let source = try library.expandedSource(name: "add_one")
        #expect(source.contains("v + 100.0") && !source.contains("v + 1.0;"))
        #expect(source.contains("y[i] = plusOne(x[i])"), "add_one.comp itself is still the built-in one")
    }

    /// A context creates each pipeline once: the same descriptor again is a cache hit, another specialization
    /// is a new pipeline. Its own context, so kernels of tests running in parallel do not count.
    @Test func contextCreatesEachPipelineOnce() throws {
        let context = try EngineFixture.makeContext()
        #expect(context.pipelinesCreated == 0)
        let first = try EngineFixture.addOne(context, scale: 3)
        #expect(try EngineFixture.addOne(context, scale: 3) === first)
        #expect(context.pipelinesCreated == 1)
        _ = try EngineFixture.addOne(context, scale: 4)
        #expect(context.pipelinesCreated == 2)
    }

    /// Push constants beyond the device limit, or not whole 32-bit words, are refused before any pipeline is made.
    @Test func rejectsPushConstantsTheDeviceCannotTake() throws {
        let context = try EngineFixture.context.get()
        for bytes in [Int(context.limits.maxPushConstantsBytes) + 4, 6] {
            do {
                _ = try context.kernel(KernelDescriptor(shader: "add_one", bindings: 2, pushConstantBytes: bytes))
                Issue.record("\(bytes) bytes of push constants were accepted")
            } catch let error as VulkanError {
                guard case .limitExceeded = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(error.description.contains("add_one: \(bytes) bytes of push constants"), "\(error)")
            }
        }
    }

    @Test func reportsCompileErrorsAndMissingFiles() throws {
        let library = ShaderLibrary(files: EngineFixture.shaderFiles, cacheDirectory: nil)
        #expect(throws: VulkanError.self) { try library.spirv(name: "broken") }
        do { _ = try library.spirv(name: "broken") } catch let error as VulkanError {
            #expect(error.description.contains("broken"))
        }
        do {
            _ = try library.spirv(name: "does_not_exist")
            Issue.record("a missing shader compiled")
        } catch let error as VulkanError {
            #expect(error.description.hasPrefix("shader file does_not_exist.comp not found"), "\(error)")
            #expect(!error.description.contains(".comp.comp"))
        }
    }
}
