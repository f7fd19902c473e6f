import ArgumentParser
import FileAccess
import Foundation

/// Checks on an output path made before any work, so that a run never computes for an output it cannot write or
/// writes over what it reads.
enum OutputLocation {
    /// Throws unless a file can be written at `path` (its folder exists and is writable; see
    /// `AtomicFile.checkDestination`), and refuses, as a usage error, a `path` that is one of `inputs` (any spelling
    /// or link of it) or lies in one of `scannedFolders`, which are read for input images, or in a folder under one.
    static func checkFile(_ path: String, option: String, inputs: [String], scannedFolders: [String] = []) throws {
        let url = URL(fileURLWithPath: path)
        if let output = FileIdentity(path: path), let input = inputs.first(where: { FileIdentity(path: $0) == output })
        {
            throw ValidationError("\(option) \(path) is the input \(input); writing it would destroy that input")
        }
        let scannedIdentities = scannedFolders.map { FileIdentity(path: $0) }
        var folder = url.deletingLastPathComponent().standardizedFileURL
        while true {
            if let identity = FileIdentity(path: folder.path), let index = scannedIdentities.firstIndex(of: identity) {
                throw ValidationError(
                    "\(option) \(path) is in \(scannedFolders[index]), which is read for input images; write the "
                        + "output elsewhere")
            }
            guard folder.path != "/" else { break }
            folder.deleteLastPathComponent()
        }
        do {
            try AtomicFile.checkDestination(url)
        } catch {
            throw CommandFailure("cannot write \(option) \(path): \(error.detail)")
        }
    }

    /// Throws unless files can be written in the folder `path`, or it can be created.
    static func checkFolder(_ path: String, option: String) throws {
        do {
            try AtomicFile.checkFolder(URL(fileURLWithPath: path), mayBeMissing: true)
        } catch {
            throw CommandFailure("cannot write \(option) \(path): \(error.detail)")
        }
    }

    /// The paths among `paths` that are folders: the ones an image input scans.
    static func folders(among paths: [String]) -> [String] {
        paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}
