import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a set of files in a folder as one result: new files are written into a hidden staging folder inside it
/// (a `TemporarySibling`), and only when all are written are they moved into place and the earlier set's other files
/// removed. A failure, or a signal, leaves the earlier set as it was.
package enum StagedFiles {
    /// The staging folder, handed to the writer of the new set.
    package final class Stage {
        fileprivate let path: String
        fileprivate var names: Set<String> = []

        fileprivate init(path: String) { self.path = path }

        /// Where to write the file that will be `name` in the folder.
        package func url(for name: String) -> URL {
            names.insert(name)
            return URL(fileURLWithPath: path).appendingPathComponent(name)
        }
    }

    /// Creates `folder` if needed, lets `body` write files into the staging folder it is given, then moves them into
    /// `folder` and removes the files of `folder` that `belongsToTheSet` accepts but `body` did not write. Returns
    /// the names removed, sorted. Errors thrown by `body` are rethrown unchanged after the staging folder is removed.
    package static func replace(
        in folder: URL, setName: String, belongsToTheSet: (String) -> Bool, _ body: (Stage) throws -> Void
    ) throws -> [String] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FileSystemFailure(detail: "cannot create the folder \(folder.path): \(error.localizedDescription)")
        }
        let staging = try TemporarySibling.create(for: folder.appendingPathComponent(setName), folder: true)
        defer { close(staging.descriptor) }
        let stage = Stage(path: staging.path)
        do {
            try body(stage)
            let written = stage.names
            guard let present = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
                throw FileSystemFailure(detail: "cannot list the folder \(folder.path)")
            }
            let stale = present.filter { belongsToTheSet($0) && !written.contains($0) }.sorted()
            let moveFailure = LiveTemporaries.finishing(staging.path) { () -> String? in
                for name in written.sorted() where rename(staging.path + "/" + name, folder.path + "/" + name) != 0 {
                    return "cannot move \(name) into \(folder.path): \(TemporarySibling.systemError())"
                }
                for name in stale { unlink(folder.path + "/" + name) }
                rmdir(staging.path)
                return nil
            }
            if let moveFailure { throw FileSystemFailure(detail: moveFailure) }
            return stale
        } catch {
            LiveTemporaries.finishing(staging.path) { _ = try? FileManager.default.removeItem(atPath: staging.path) }
            throw error
        }
    }
}
