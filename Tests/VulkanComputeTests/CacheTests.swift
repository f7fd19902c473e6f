import Foundation
import Synchronization
import Testing

@testable import VulkanCompute

/// Ways a cache file gets damaged: one byte flipped in each header field or in the payload, or the file cut short or
/// extended (`CacheEntry` layout).
enum CacheDamage: String, CaseIterable {
    case magic, version, length, key, checksum, firstPayloadByte, lastPayloadByte, truncatedHeader, truncatedPayload,
        empty, extended

    func apply(to file: URL) throws {
        var bytes = [UInt8](try Data(contentsOf: file))
        switch self {
        case .magic: bytes[0] ^= 0x01
        case .version: bytes[8] ^= 0x01
        case .length: bytes[12] ^= 0x01
        case .key: bytes[51] ^= 0x80
        case .checksum: bytes[52] ^= 0x01
        case .firstPayloadByte: bytes[CacheEntry.headerSize] ^= 0x01
        case .lastPayloadByte: bytes[bytes.count - 1] ^= 0x01
        case .truncatedHeader: bytes.removeLast(bytes.count - 40)
        case .truncatedPayload: bytes.removeLast(4)
        case .empty: bytes = []
        case .extended: bytes.append(0)
        }
        try Data(bytes).write(to: file)
    }
}

/// The lines a library reported through its diagnostics callback.
final class DiagnosticLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

/// The SPIR-V and pipeline caches check every entry they read: a damaged, truncated or foreign entry, or one the
/// driver rejects, is reported once, rebuilt and rewritten, and never changes a result.
@Suite("disk caches")
struct CacheTests {
    static let variants: [[(String, String)]] = [[("BIAS", "2")], [("BIAS", "5")]]

    @Test(arguments: CacheDamage.allCases)
    func damagedShaderEntriesAreRebuilt(_ damage: CacheDamage) throws {
        let cache = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let clean = ShaderLibrary(files: EngineFixture.shaderFiles, cacheDirectory: cache)
        let words = try Self.variants.map { try clean.spirv(name: "add_one", defines: $0) }
        let files = try Self.files(in: cache)
        let cleanBytes = try files.map { try Data(contentsOf: $0) }
        #expect(files.count == Self.variants.count)
        for file in files { try damage.apply(to: file) }

        let lines = DiagnosticLines()
        let next = ShaderLibrary(
            files: EngineFixture.shaderFiles, cacheDirectory: cache, diagnostics: { lines.append($0) })
        #expect(try Self.variants.map { try next.spirv(name: "add_one", defines: $0) } == words)
        Self.expectOneLine(per: files, in: lines.all)
        #expect(try files.map { try Data(contentsOf: $0) } == cleanBytes, "rewritten as a clean run writes them")
        let third = ShaderLibrary(
            files: EngineFixture.shaderFiles, cacheDirectory: cache, diagnostics: { lines.append($0) })
        #expect(try Self.variants.map { try third.spirv(name: "add_one", defines: $0) } == words)
        #expect(lines.all.count == files.count, "nothing more to report")
    }

    /// Every file of the folder damaged — SPIR-V and the driver's pipeline cache: a new context computes bit-identical
    /// results, reports each file once and rewrites it, so the next context reports nothing.
    @Test(arguments: CacheDamage.allCases)
    func aDamagedCacheFolderGivesIdenticalResults(_ damage: CacheDamage) throws {
        let cache = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let input = (0 ..< 300).map { Float($0) * 0.37 - 41 }
        let clean = try EngineFixture.makeContext(cacheDirectory: cache)
        let expected = try Self.addOne(input, on: clean)
        clean.savePipelineCache()
        let files = try Self.files(in: cache)
        #expect(files.map { $0.deletingLastPathComponent().lastPathComponent } == ["pipelines", "spirv"])
        for file in files { try damage.apply(to: file) }

        let lines = DiagnosticLines()
        for run in 0 ..< 2 {
            let context = try EngineFixture.makeContext(cacheDirectory: cache, diagnostics: { lines.append($0) })
            #expect(try Self.addOne(input, on: context).map(\.bitPattern) == expected.map(\.bitPattern), "run \(run)")
            try context.checkValidation()
            context.savePipelineCache()
            Self.expectOneLine(per: files, in: lines.all)
        }
    }

    /// SPIR-V in a whole entry that the driver rejects (schema word 1, which Mesa refuses) is compiled afresh and
    /// rewritten. Without the validation layer, which would relay the driver's complaint as an error.
    @Test func shaderWordsTheDriverRejectsAreRebuilt() throws {
        let cache = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let input = (0 ..< 100).map { Float($0) - 50 }
        let clean = try EngineFixture.makeContext(cacheDirectory: cache, validation: false)
        let expected = try Self.addOne(input, on: clean)
        let file = try #require(try Self.files(in: cache.appendingPathComponent("spirv")).first)
        let cleanBytes = [UInt8](try Data(contentsOf: file))
        let key = Array(cleanBytes[20 ..< 52])
        guard case .valid(var payload) = CacheEntry.decode(cleanBytes, key: key) else {
            throw CacheTestError.unreadable(file)
        }
        payload[16] = 1  // word 4, the schema, which must be 0
        try Data(CacheEntry.encode(payload, key: key)).write(to: file)

        let lines = DiagnosticLines()
        let context = try EngineFixture.makeContext(
            cacheDirectory: cache, validation: false, diagnostics: { lines.append($0) })
        #expect(try Self.addOne(input, on: context).map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(
            lines.all.count == 1
                && lines.all.first?.contains("\(file.path): rejected by the driver (vkCreateComputePipelines") == true,
            "\(lines.all)")
        #expect([UInt8](try Data(contentsOf: file)) == cleanBytes)
    }

    /// Processes sharing a cache folder rewrite an entry while others read it: entries are written through a
    /// temporary file and a rename, so a reader finds the old entry or the new one, never half of one.
    @Test func concurrentWritersNeverExposeHalfAnEntry() throws {
        let cache = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let file = cache.appendingPathComponent("spirv/shared.entry")
        let key = SHA256.digest(Array("shared".utf8))
        let payload = (0 ..< 16384).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let partial = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for _ in 0 ..< 100 {
                if thread % 2 == 0 {
                    CacheEntry.write(payload, key: key, to: file)
                } else if case .damaged = CacheEntry.read(file, key: key) {
                    partial.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(partial.load(ordering: .relaxed) == 0)
        #expect(CacheEntry.read(file, key: key) == .valid(payload))
        #expect(try Self.files(in: cache) == [file], "no temporary file is left behind")
    }

    // MARK: helpers

    enum CacheTestError: Error { case unreadable(URL) }

    /// add_one (scale 3) of `input` on `context`.
    static func addOne(_ input: [Float], on context: VulkanContext) throws -> [Float] {
        let arena = try MemoryArena(context: context, kind: .device)
        let x = try arena.allocate(bytes: input.count * 4)
        let y = try arena.allocate(bytes: input.count * 4)
        EngineFixture.write(input, to: x)
        let recorder = try CommandRecorder(context: context)
        try recorder.dispatch(
            EngineFixture.addOne(context, scale: 3), bindings: [.init(x, access: .read), .init(y, access: .write)],
            push: EngineFixture.push(input.count), groups: (x: (input.count + 63) / 64, y: 1, z: 1), label: "add_one")
        try recorder.submitAndWait()
        return EngineFixture.read(y, count: input.count)
    }

    /// Each file of `files` is named by exactly one of `lines`, and there are no other lines.
    static func expectOneLine(per files: [URL], in lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(lines.count == files.count, "\(lines)", sourceLocation: sourceLocation)
        for file in files {
            #expect(
                lines.filter { $0.hasPrefix("discarded cache entry \(file.path): ") }.count == 1,
                "\(file.lastPathComponent): \(lines)",
                sourceLocation: sourceLocation)
        }
    }

    /// The entries under `folder` (temporary files are hidden), sorted by path.
    static func files(in folder: URL) throws -> [URL] {
        let all =
            FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil, options: .skipsHiddenFiles)?
            .allObjects as? [URL] ?? []
        return all.filter { !$0.hasDirectoryPath }.sorted { $0.path < $1.path }
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bigbigan-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
