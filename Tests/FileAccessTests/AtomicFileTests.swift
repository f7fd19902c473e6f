import Foundation
import Testing

@testable import FileAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Atomic writes, their temporaries, and the checks made on a destination before work.
@Suite struct AtomicFileTests {
    /// A temporary left by a killed writer (no process holds its lock) is removed by the next write to the same
    /// destination; one that a live writer holds, and another destination's, are left alone.
    @Test func theNextWriteRemovesOnlyAbandonedTemporaries() throws {
        let folder = try TemporaryFolder()
        let destination = folder.url.appendingPathComponent("out.bin")
        let abandoned = try folder.create(".out.bin.tmp-ABANDONED")
        let live = try folder.create(".out.bin.tmp-LIVE")
        let other = try folder.create(".other.bin.tmp-ABANDONED")
        let descriptor = open(live.path, O_RDONLY)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX) == 0)

        try AtomicFile.write(to: destination) { try $0.append([1, 2, 3]) }

        #expect(try Data(contentsOf: destination) == Data([1, 2, 3]))
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: live.path) && FileManager.default.fileExists(atPath: other.path))
    }

    /// A write that fails leaves the old file and no temporary; the body's error comes back unchanged.
    @Test func aFailedWriteLeavesTheOldFile() throws {
        struct Stop: Error {}
        let folder = try TemporaryFolder()
        let destination = folder.url.appendingPathComponent("out.bin")
        try Data([9]).write(to: destination)
        #expect(throws: Stop.self) {
            try AtomicFile.write(to: destination) { sink in
                try sink.append([1, 2])
                throw Stop()
            }
        }
        #expect(try Data(contentsOf: destination) == Data([9]))
        #expect(try folder.names() == ["out.bin"])
    }

    /// The reasons a destination cannot be written, named before any work.
    @Test func checkDestinationNamesWhatIsWrong() throws {
        let folder = try TemporaryFolder()
        let file = try folder.create("file")
        for (destination, words) in [
            (folder.url.appendingPathComponent("missing/out.bin"), "No such file"),
            (folder.url, "is a folder"),
            (file.appendingPathComponent("out.bin"), "is not a folder"),
        ] {
            #expect {
                try AtomicFile.checkDestination(destination)
            } throws: { error in
                (error as? FileSystemFailure)?.detail.contains(words) == true
            }
        }
        try AtomicFile.checkDestination(folder.url.appendingPathComponent("new.bin"))
        try AtomicFile.checkFolder(folder.url.appendingPathComponent("new/deeper"), mayBeMissing: true)
        #expect(throws: FileSystemFailure.self) { try AtomicFile.checkFolder(file, mayBeMissing: true) }
    }

    /// One file under several names — another spelling, a symbolic link, a hard link — has one identity.
    @Test func fileIdentitySeesThroughNames() throws {
        let folder = try TemporaryFolder()
        let file = try folder.create("a.png")
        let symbolic = folder.url.appendingPathComponent("link.png")
        try FileManager.default.createSymbolicLink(at: symbolic, withDestinationURL: file)
        let hard = folder.url.appendingPathComponent("hard.png")
        try FileManager.default.linkItem(at: file, to: hard)
        let identity = try #require(FileIdentity(path: file.path))
        for path in [folder.url.path + "/./a.png", symbolic.path, hard.path] {
            #expect(FileIdentity(path: path) == identity)
        }
        #expect(FileIdentity(path: try folder.create("b.png").path) != identity)
        #expect(FileIdentity(path: folder.url.appendingPathComponent("missing").path) == nil)
    }
}

/// A fresh folder for one test, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("FileAccessTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Creates a file `name` holding `contents` and returns its URL.
    func create(_ name: String, contents: String = "") throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(contents.utf8).write(to: file)
        return file
    }

    /// The names in the folder, hidden ones included, sorted.
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}
