import ArgumentParser
import BigBiGANIO
import FileAccess
import Foundation
import Tensors
import VulkanCompute

/// `encode`'s inputs: image files, folders of them, a list file, or one .npy batch; with `--classes`, each image's
/// class.
struct EncodeInputOptions: ParsableArguments {
    @Argument(
        help: """
            Image files (PNG, JPEG), folders of them (searched at any depth), or one .npy float32 [N,R,R,3] in [-1,1].
            """)
    var inputs: [String] = []

    @Option(
        help: """
            A file listing inputs, one path per line (relative to the list file's folder, or absolute; blank lines \
            ignored), read after the arguments.
            """)
    var list: String?

    @Flag(
        help: """
            Record each image's class: the sub-folder of a folder input it is in (DIR/<class>/…/<image>), or the \
            folder holding a file argument or list entry. Adds 'labels' [N] and the 'classes' metadata, as probe reads.
            """)
    var classes = false

    @Option(help: "On an unreadable image: stop (nothing is written) or skip it with a warning.")
    var onError: ImageInputOptions.OnError = .stop

    /// The one .npy batch given, if that is the input.
    var npyBatch: String? { inputs.count == 1 && inputs[0].hasSuffix(".npy") && list == nil ? inputs[0] : nil }

    func validate() throws {
        guard !inputs.isEmpty || list != nil else {
            throw ValidationError("give images, folders or a .npy batch to encode, or a --list of them")
        }
        if classes, npyBatch != nil { throw ValidationError("--classes needs image files or folders, not a .npy") }
    }

    /// Everything given as input, for the output checks: the arguments and the list file.
    var paths: [String] { inputs + [list].compactMap { $0 } }

    /// The folders read for images: folder arguments (list entries that are folders are read too, but are not known
    /// before the list is read).
    var scannedFolders: [String] { OutputLocation.folders(among: inputs) }

    /// Resolves the inputs: every image file in order (arguments in order, folders expanded, then the list's entries
    /// in order), or the .npy batch's samples, checked for `resolution`.
    func resolve(resolution: Int) throws -> EncodeInputs {
        if let npyBatch {
            let tensor = try NPYFile.read(URL(fileURLWithPath: npyBatch))
            guard tensor.shape.rank == 4, tensor.shape[1] == resolution, tensor.shape[2] == resolution,
                tensor.shape[3] == 3
            else {
                throw CommandFailure(
                    "\(npyBatch): expected float32 [N,\(resolution),\(resolution),3], got \(tensor.shape)")
            }
            guard tensor.data.allSatisfy(\.isFinite) else {
                throw CommandFailure("\(npyBatch) contains NaN or infinite values")
            }
            return EncodeInputs(
                source: .tensor(tensor), names: (0 ..< tensor.shape[0]).map { "\(npyBatch)[\($0)]" }, list: nil,
                lines: [], classes: nil, folders: [])
        }
        let listPath = list.map(SystemPath.init(argument:))
        var collector = InputCollector(classes: classes, list: listPath?.description)
        for input in inputs { try collector.add(SystemPath(argument: input), line: 0) }
        if let listPath {
            let bytes: Data
            do {
                bytes = try FileBytes.read(listPath)
            } catch {
                throw CommandFailure("--list \(listPath): \(error.detail)")
            }
            // Entries are relative to the list's folder: the path up to its last "/", or none for a bare name.
            let folder = listPath.bytes.lastIndex(of: UInt8(ascii: "/")).map { Array(listPath.bytes[...$0]) } ?? []
            for (number, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .enumerated()
            {
                var entry = Array(line)
                if entry.last == UInt8(ascii: "\r") { entry.removeLast() }
                guard entry.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t")].contains($0) }) else {
                    continue
                }
                let path = SystemPath(bytes: entry.first == UInt8(ascii: "/") ? entry : folder + entry)
                try collector.add(path, line: number + 1)
            }
        }
        guard !collector.files.isEmpty else { throw CommandFailure("no PNG or JPEG files among the inputs") }
        return try collector.inputs()
    }
}

/// Gathers the image files of `EncodeInputOptions.resolve` and, with `classes`, the class name of each.
private struct InputCollector {
    let classes: Bool
    var files: [SystemPath] = []
    /// The list file, as shown in messages.
    let list: String?
    /// Per file, the list line that named it, or 0.
    var lines: [Int] = []
    var classNames: [[UInt8]] = []
    var folders: [String] = []

    init(classes: Bool, list: String?) {
        self.classes = classes
        self.list = list
    }

    /// Adds `path`: a folder's images, or the file itself; `line` is the list line that names it (0: an argument).
    mutating func add(_ path: SystemPath, line: Int) throws {
        let place = line > 0 ? "\(list ?? "") line \(line): " : ""
        let images: [FolderImage]?
        do {
            images = try Folder.exists(at: path) ? try ImageInputOptions.images(in: path) : nil
        } catch {
            throw CommandFailure("\(place)\(path): \(error.detail)")
        }
        guard let images else {
            if classes {
                // The folder holding the file; a bare name, "." or ".." says nothing about its class.
                let components = path.bytes.split(separator: UInt8(ascii: "/")).map(Array.init)
                guard components.count >= 2, let parent = components.dropLast().last,
                    parent != Array(".".utf8), parent != Array("..".utf8)
                else {
                    throw CommandFailure(
                        "\(place)cannot tell the class of \(path): with --classes, name each file inside its class "
                            + "folder (…/<class>/<image>)")
                }
                classNames.append(parent)
            }
            files.append(path)
            lines.append(line)
            return
        }
        folders.append(path.description)
        for image in images {
            if classes {
                guard let slash = image.relative.firstIndex(of: UInt8(ascii: "/")) else {
                    throw CommandFailure(
                        "\(place)\(image.path) is not in a class folder: with --classes, a folder input holds "
                            + "\(path)/<class>/<image>")
                }
                classNames.append(Array(image.relative[..<slash]))
            }
            files.append(image.path)
            lines.append(line)
        }
    }

    func inputs() throws -> EncodeInputs {
        var classList: (names: [String], labels: [Int])?
        if classes {
            let sorted = Set(classNames).sorted { $0.lexicographicallyPrecedes($1) }
            let index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
            classList = (sorted.map { SystemPath(bytes: $0).description }, classNames.map { index[$0]! })
        }
        return EncodeInputs(
            source: .files(files), names: files.map(\.description), list: list, lines: lines, classes: classList,
            folders: folders)
    }
}

/// The inputs of an `encode` run, in order.
struct EncodeInputs {
    enum Source {
        /// Image files, decoded as their batch comes.
        case files([SystemPath])
        /// A .npy batch of preprocessed samples.
        case tensor(HostTensor)
    }

    let source: Source
    /// Each input's name, as the output's `inputs` metadata lists it.
    let names: [String]
    /// The list file, as shown in messages.
    let list: String?
    /// Per input, the list line that named it, or 0 (an argument, or a file of a folder argument); empty for a .npy
    /// batch.
    let lines: [Int]
    /// With `--classes`: the class names, sorted, and each input's index among them.
    let classes: (names: [String], labels: [Int])?
    /// The folders read for images (arguments and list entries).
    let folders: [String]

    var count: Int { names.count }

    /// `input_list_sha256`: the SHA-256, in hex, of every input's name in order, each as UTF-8 followed by a NUL byte
    /// (in Python: `hashlib.sha256(b"".join(n.encode() + b"\0" for n in names)).hexdigest()`).
    var listHash: String {
        var bytes: [UInt8] = []
        for name in names { bytes += Array(name.utf8) + [0] }
        return SHA256.digest(bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// "LIST line N" for an input a list line named, for messages.
    func origin(of input: Int) -> String? {
        guard input < lines.count, lines[input] > 0, let list else { return nil }
        return "\(list) line \(lines[input])"
    }
}
