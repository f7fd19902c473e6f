import Foundation
import Synchronization

/// Finds `NAME.comp` sources, inlines their `#include "…"` files, injects defines, and compiles them to
/// SPIR-V with an on-disk cache keyed by a SHA-256 of everything that determines the output.
///
/// Sources come from `files`, usually the copies built into the binary, unless `overrideDirectory` holds a
/// file of the same name: a development checkout can edit shaders without rebuilding.
public final class ShaderLibrary: @unchecked Sendable {
    /// Shader files by name (`conv2d.comp`, `common.glsl`): their text.
    public let files: [String: String]
    /// Searched before `files`; nil reads `files` only.
    public let overrideDirectory: URL?
    /// Where compiled SPIR-V is cached; nil disables the disk cache.
    public let cacheDirectory: URL?
    private let memory = Mutex<[String: [UInt32]]>([:])

    /// Bumped whenever the compile settings change, so stale cache entries are never reused.
    private static let compilerTag = "glslang-c-api/vulkan1.2/spv1.5/v1"

    public init(files: [String: String], overrideDirectory: URL? = nil, cacheDirectory: URL?) {
        self.files = files
        self.overrideDirectory = overrideDirectory
        self.cacheDirectory = cacheDirectory
    }

    /// The source of `name` with includes inlined and `defines` inserted after `#version`.
    public func expandedSource(name: String, defines: [(String, String)] = []) throws -> String {
        var text = try expandIncludes(in: readFile(name + ".comp"), seen: [name + ".comp"])
        guard !defines.isEmpty else { return text }
        let lines = defines.map { "#define \($0.0) \($0.1)" }.joined(separator: "\n")
        if let range = text.range(of: "#version[^\n]*\n", options: .regularExpression) {
            text.insert(contentsOf: lines + "\n", at: range.upperBound)
        } else {
            text = lines + "\n" + text
        }
        return text
    }

    /// SPIR-V words for `name` with `defines`, from memory, the disk cache, or a fresh compile.
    public func spirv(name: String, defines: [(String, String)] = []) throws -> [UInt32] {
        let source = try expandedSource(name: name, defines: defines)
        let key = SHA256.hexDigest(Array((Self.compilerTag + "\u{0}" + source).utf8))
        if let cached = memory.withLock({ $0[key] }) { return cached }
        let file = cacheDirectory?.appendingPathComponent("spirv/\(name)-\(key.prefix(32)).spv")
        if let file, let words = Self.readSPIRV(file) {
            memory.withLock { $0[key] = words }
            return words
        }
        let words = try ShaderCompiler.compile(source: source, name: name)
        if let file { Self.writeAtomically(Data(words.withUnsafeBytes { Data($0) }), to: file) }
        memory.withLock { $0[key] = words }
        return words
    }

    private func readFile(_ fileName: String) throws -> String {
        if let overrideDirectory, let text = try? String(contentsOf: overrideDirectory.appendingPathComponent(fileName), encoding: .utf8) {
            return text
        }
        if let text = files[fileName] { return text }
        throw VulkanError.shaderNotFound(name: fileName, searched: (overrideDirectory.map { [$0.path] } ?? []) + ["\(files.count) built-in files"])
    }

    private func expandIncludes(in text: String, seen: Set<String>) throws -> String {
        var output: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#include") else { output.append(line); continue }
            let parts = trimmed.split(separator: "\"")
            guard parts.count >= 2 else { throw VulkanError.invalidArgument("malformed include line: \(trimmed)") }
            let file = String(parts[1])
            guard !seen.contains(file) else { throw VulkanError.invalidArgument("recursive include of \(file)") }
            output.append(Substring(try expandIncludes(in: readFile(file), seen: seen.union([file]))))
        }
        return output.joined(separator: "\n")
    }

    private static func readSPIRV(_ url: URL) -> [UInt32]? {
        guard let data = try? Data(contentsOf: url), data.count >= 20, data.count % 4 == 0 else { return nil }
        let words = data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        return words.first == 0x0723_0203 ? words : nil
    }

    /// Writes through a temporary file and a rename, so a concurrent reader never sees half a file.
    /// Cache writes are best effort: a read-only cache directory only costs compile time.
    static func writeAtomically(_ data: Data, to url: URL) {
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt64.random(in: 0 ... .max))")
        guard (try? data.write(to: temporary)) != nil else { return }
        if rename(temporary.path, url.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }
}
