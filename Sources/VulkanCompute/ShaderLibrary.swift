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
    /// Told one line for each entry of the disk cache (SPIR-V, and `VulkanContext`'s pipeline cache) discarded and
    /// rebuilt: damaged, truncated, made for another key, or rejected by the driver. Nil ignores them.
    public let diagnostics: (@Sendable (String) -> Void)?
    private let memory = Mutex<[[UInt8]: CompiledShader]>([:])

    /// Bumped whenever the compile settings change, so stale cache entries are never reused.
    private static let compilerTag = "glslang-c-api/vulkan1.2/spv1.5/v1"

    public init(
        files: [String: String], overrideDirectory: URL? = nil, cacheDirectory: URL?,
        diagnostics: (@Sendable (String) -> Void)? = nil
    ) {
        self.files = files
        self.overrideDirectory = overrideDirectory
        self.cacheDirectory = cacheDirectory
        self.diagnostics = diagnostics
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
        try compiled(name: name, defines: defines).words
    }

    /// SPIR-V words and where they came from. A disk cache entry that is not whole, or not made for this source, is
    /// reported, compiled afresh and rewritten.
    func compiled(name: String, defines: [(String, String)]) throws -> CompiledShader {
        let variant = try variant(name: name, defines: defines)
        if let cached = memory.withLock({ $0[variant.key] }) { return cached }
        if let file = variant.file {
            switch CacheEntry.read(file, key: variant.key) {
            case .missing: break
            case .valid(let payload):
                let shader = CompiledShader(
                    words: payload.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }, fromDiskCache: true)
                memory.withLock { $0[variant.key] = shader }
                return shader
            case .damaged(let reason): report(file, reason)
            }
        }
        return try compile(variant)
    }

    /// Compiles `name` afresh after the driver rejected the words read from the disk cache, and rewrites the entry.
    func recompile(name: String, defines: [(String, String)], rejection: any Error) throws -> CompiledShader {
        let variant = try variant(name: name, defines: defines)
        if let file = variant.file { report(file, "rejected by the driver (\(rejection))") }
        return try compile(variant)
    }

    /// SPIR-V words of a shader, and whether they were read from the disk cache: only those are compiled afresh
    /// when the driver rejects them.
    struct CompiledShader {
        let words: [UInt32]
        let fromDiskCache: Bool
    }

    /// One shader with its defines: the expanded source, its key (SHA-256 of the source and the compiler settings)
    /// and its disk cache file, named by the key's first 16 bytes.
    private struct Variant {
        let name: String
        let source: String
        let key: [UInt8]
        let file: URL?
    }

    private func variant(name: String, defines: [(String, String)]) throws -> Variant {
        let source = try expandedSource(name: name, defines: defines)
        let key = SHA256.digest(Array((Self.compilerTag + "\u{0}" + source).utf8))
        let hex = key.prefix(16).map { String(format: "%02x", $0) }.joined()
        return Variant(
            name: name, source: source, key: key,
            file: cacheDirectory?.appendingPathComponent("spirv/\(name)-\(hex).entry"))
    }

    private func compile(_ variant: Variant) throws -> CompiledShader {
        let shader = CompiledShader(
            words: try ShaderCompiler.compile(source: variant.source, name: variant.name), fromDiskCache: false)
        if let file = variant.file {
            CacheEntry.write(shader.words.withUnsafeBytes { Array($0) }, key: variant.key, to: file)
        }
        memory.withLock { $0[variant.key] = shader }
        return shader
    }

    private func report(_ file: URL, _ reason: String) {
        diagnostics?(CacheEntry.discarded(file, reason))
    }

    private func readFile(_ fileName: String) throws -> String {
        if let overrideDirectory,
            let text = try? String(contentsOf: overrideDirectory.appendingPathComponent(fileName), encoding: .utf8)
        {
            return text
        }
        if let text = files[fileName] { return text }
        throw VulkanError.shaderNotFound(
            name: fileName, searched: (overrideDirectory.map { [$0.path] } ?? []) + ["\(files.count) built-in files"])
    }

    private func expandIncludes(in text: String, seen: Set<String>) throws -> String {
        var output: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#include") else {
                output.append(line)
                continue
            }
            let parts = trimmed.split(separator: "\"")
            guard parts.count >= 2 else { throw VulkanError.invalidArgument("malformed include line: \(trimmed)") }
            let file = String(parts[1])
            guard !seen.contains(file) else { throw VulkanError.invalidArgument("recursive include of \(file)") }
            output.append(Substring(try expandIncludes(in: readFile(file), seen: seen.union([file]))))
        }
        return output.joined(separator: "\n")
    }
}
