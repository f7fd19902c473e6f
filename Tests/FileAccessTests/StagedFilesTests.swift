import Foundation
import Testing

@testable import FileAccess

/// A set of files in a folder replaced as one result.
@Suite struct StagedFilesTests {
    private func isSample(_ name: String) -> Bool { name.hasPrefix("sample_") }

    private func contents(_ folder: TemporaryFolder, _ name: String) throws -> String {
        String(decoding: try Data(contentsOf: folder.url.appendingPathComponent(name)), as: UTF8.self)
    }

    /// Two new files replace a set of four: the other two are removed and named, files outside the set stay, and
    /// no staging folder is left.
    @Test func aSmallerSetReplacesTheWholeEarlierOne() throws {
        let folder = try TemporaryFolder()
        for i in 0 ..< 4 { _ = try folder.create("sample_\(i)", contents: "old") }
        _ = try folder.create("notes.txt", contents: "mine")

        let removed = try StagedFiles.replace(in: folder.url, setName: "samples", belongsToTheSet: isSample) { stage in
            for i in 0 ..< 2 { try Data("new".utf8).write(to: stage.url(for: "sample_\(i)")) }
        }

        #expect(removed == ["sample_2", "sample_3"])
        #expect(try folder.names() == ["notes.txt", "sample_0", "sample_1"])
        #expect(try contents(folder, "sample_0") == "new" && contents(folder, "notes.txt") == "mine")
    }

    /// A writer that fails part-way leaves the earlier set exactly as it was, and its error comes back unchanged.
    @Test func aFailedWriteLeavesTheEarlierSet() throws {
        struct Stop: Error {}
        let folder = try TemporaryFolder()
        for i in 0 ..< 3 { _ = try folder.create("sample_\(i)", contents: "old") }
        #expect(throws: Stop.self) {
            _ = try StagedFiles.replace(in: folder.url, setName: "samples", belongsToTheSet: isSample) { stage in
                try Data("new".utf8).write(to: stage.url(for: "sample_0"))
                throw Stop()
            }
        }
        #expect(try folder.names() == ["sample_0", "sample_1", "sample_2"])
        #expect(try contents(folder, "sample_0") == "old")
    }

    /// A staging folder left by a killed run is removed by the next run into the same folder; the folder is created
    /// when missing.
    @Test func anAbandonedStagingFolderIsRemoved() throws {
        let parent = try TemporaryFolder()
        let folder = parent.url.appendingPathComponent("out")
        let abandoned = folder.appendingPathComponent(".samples.tmp-ABANDONED")
        try FileManager.default.createDirectory(at: abandoned, withIntermediateDirectories: true)
        try Data("partial".utf8).write(to: abandoned.appendingPathComponent("sample_0"))

        _ = try StagedFiles.replace(in: folder, setName: "samples", belongsToTheSet: isSample) { stage in
            try Data("new".utf8).write(to: stage.url(for: "sample_0"))
        }

        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["sample_0"])
    }
}
