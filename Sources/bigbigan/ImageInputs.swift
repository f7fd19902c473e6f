import ArgumentParser
import BigBiGANIO
import FileAccess
import Foundation
import Tensors

/// Image inputs of `encode` and `reconstruct`: files and directories of PNG/JPEG, or one .npy batch,
/// preprocessed as the BigBiGAN colab does (centre square crop, bicubic resize, x/127.5 − 1).
struct ImageInputOptions: ParsableArguments {
    enum OnError: String, ExpressibleByArgument { case stop, skip }

    @Argument(
        help:
            "Image files (PNG, JPEG), folders of them (searched at any depth), or one .npy float32 [N,R,R,3] in [-1,1]."
    )
    var inputs: [String]

    @Option(help: "On an unreadable image: stop (nothing is written) or skip it with a warning.")
    var onError: OnError = .stop

    /// The input files in order: folders contribute the files named like PNG/JPEG under them (`images(in:)`).
    /// Paths keep their bytes, so names need not be UTF-8.
    func files() throws -> [SystemPath] {
        var files: [SystemPath] = []
        for input in inputs {
            let path = SystemPath(argument: input)
            do {
                if try Folder.exists(at: path) {
                    files += try Self.images(in: path).map(\.path)
                } else {
                    files.append(path)
                }
            } catch {
                throw CommandFailure("\(path): \(error.detail)")
            }
        }
        guard !files.isEmpty else { throw CommandFailure("no PNG or JPEG files among the inputs") }
        return files
    }

    /// The inputs as batches of at most `batchSize` samples of [resolution, resolution, 3] in [-1, 1]: image files are
    /// read when their batch is asked for; a .npy batch is read at once and checked.
    func batches(resolution: Int, batchSize: Int) throws -> ImageBatches {
        guard inputs.count == 1, inputs[0].hasSuffix(".npy") else {
            return ImageBatches(files: try files(), resolution: resolution, batchSize: batchSize, onError: onError)
        }
        let tensor = try NPYFile.read(URL(fileURLWithPath: inputs[0]))
        guard tensor.shape.rank == 4, tensor.shape[1] == resolution, tensor.shape[2] == resolution, tensor.shape[3] == 3
        else {
            throw CommandFailure(
                "\(inputs[0]): expected float32 [N,\(resolution),\(resolution),3], got \(tensor.shape)")
        }
        guard tensor.data.allSatisfy(\.isFinite) else {
            throw CommandFailure("\(inputs[0]) contains NaN or infinite values")
        }
        return ImageBatches(
            images: tensor, names: (0 ..< tensor.shape[0]).map { "\(inputs[0])[\($0)]" }, batchSize: batchSize)
    }

    /// Every input at once, as [N, resolution, resolution, 3] in [-1, 1], with the name of each sample.
    func load(resolution: Int) throws -> (images: HostTensor, names: [String]) {
        var all = try batches(resolution: resolution, batchSize: .max)
        guard let batch = try all.next() else { throw CommandFailure("no images among the inputs") }
        return batch
    }

    /// The files named like PNG/JPEG under `folder` at any depth, ordered by their path relative to `folder` compared
    /// as bytes (`b.png` before `b/a.png`, as "." is below "/"), so the order is the same on every machine. Hidden
    /// sub-folders (names starting with ".") are not entered, and a folder reached again through a link is entered
    /// once. An entry named like an image is listed whatever it is, so that reading a folder or FIFO named so fails
    /// with a message instead of being passed over.
    static func images(in folder: SystemPath) throws(FileSystemFailure) -> [FolderImage] {
        var found: [FolderImage] = []
        var entered: Set<FolderKey> = []
        var pending: [(path: SystemPath, relative: [UInt8])] = [(folder, [])]
        if let key = FolderKey(folder) { entered.insert(key) }
        while let (path, relative) = pending.popLast() {
            for name in try Folder.entries(of: path) {
                let entryRelative = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
                let entry = path.appending(name)
                if isNamedLikeAnImage(name) {
                    found.append(FolderImage(path: entry, relative: entryRelative))
                } else if name.first != UInt8(ascii: "."), let key = FolderKey(entry), entered.insert(key).inserted {
                    pending.append((entry, entryRelative))
                }
            }
        }
        return found.sorted { $0.relative.lexicographicallyPrecedes($1.relative) }
    }

    /// Whether a file name ends in .png, .jpg or .jpeg in any case (bytes that are not UTF-8 cannot be part of those).
    static func isNamedLikeAnImage(_ name: [UInt8]) -> Bool {
        let lowercased = String(decoding: name, as: UTF8.self).lowercased()
        return [".png", ".jpg", ".jpeg"].contains(where: lowercased.hasSuffix)
    }
}

/// An image file found under a folder: its path, and its path relative to that folder.
struct FolderImage {
    let path: SystemPath
    let relative: [UInt8]
}

/// Which folder a path names (links followed), to enter each folder once; nil for anything else.
private struct FolderKey: Hashable {
    let device: UInt64
    let inode: UInt64

    init?(_ path: SystemPath) {
        var status = stat()
        guard path.withCString({ stat($0, &status) }) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
