import BigBiGANIO
import FileAccess
import Foundation
import LinearProbe

/// A probe's training or test set: features, one label per row, and the class names the labels index when known.
struct LabeledFeatures {
    let features: any FeatureRows
    let labels: [Int]
    /// Label i is class `classNames[i]` (class folders, or a features file's `classes` metadata).
    let classNames: [String]?

    /// The metadata key of a features file's class names: a JSON list of strings, label i naming class i.
    static let classesMetadataKey = "classes"

    /// Reads `path`, a `.safetensors` or `.npz` holding the features `feature` [N, D] and the labels `labelsName` [N]
    /// (integers, stored as any integer or float type), memory-mapped: rows are read as training asks for them.
    static func read(_ path: String, feature: String, labelsName: String) throws -> LabeledFeatures {
        guard path.hasSuffix(".safetensors") || path.hasSuffix(".npz") else {
            throw CommandFailure(
                "\(path): a features file must be a .safetensors or .npz holding '\(feature)' and '\(labelsName)'")
        }
        let file = try MappedArrayFile.open(URL(fileURLWithPath: path))
        let available = file.arrays.keys.sorted().joined(separator: ", ")
        guard let features = file.arrays[feature] else {
            throw CommandFailure("\(path) has no '\(feature)' (it has: \(available)); choose another --feature")
        }
        guard features.shape.count == 2, features.shape[1] >= 1 else {
            throw CommandFailure("\(path): '\(feature)' must be [N, D], not \(features.shape)")
        }
        guard let labelArray = file.arrays[labelsName] else {
            throw CommandFailure(
                "\(path) has no labels '\(labelsName)' (it has: \(available)); add an integer tensor [N] of class "
                    + "numbers, or name it with --labels")
        }
        guard labelArray.shape == [features.shape[0]] else {
            throw CommandFailure(
                "\(path): labels '\(labelsName)' \(labelArray.shape) do not match '\(feature)' \(features.shape): "
                    + "expected [\(features.shape[0])]")
        }
        let labels = try labelArray.values().enumerated().map { row, value in
            guard value.rounded() == value, abs(value) <= 0x1p53 else {
                throw CommandFailure("\(path): label \(row) is \(value), not an integer")
            }
            return Int(value)
        }
        let classNames = try file.metadata[classesMetadataKey].map { text in
            guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw CommandFailure("\(path): the '\(classesMetadataKey)' metadata is not a JSON list of names")
            }
            return names
        }
        if let classNames, let outside = labels.first(where: { !classNames.indices.contains($0) }) {
            throw CommandFailure("\(path): label \(outside) has no name among the \(classNames.count) classes")
        }
        return LabeledFeatures(features: MappedFeatureRows(array: features), labels: labels, classNames: classNames)
    }

    /// These labels as indices into `trainingNames`, by class name, when both sides name their classes; unchanged
    /// otherwise. A class the training set lacks is an error.
    func relabeled(forTrainingNames trainingNames: [String]?, source: String) throws -> LabeledFeatures {
        LabeledFeatures(
            features: features,
            labels: try Self.labels(labels, named: classNames, asIndicesOf: trainingNames, source: source),
            classNames: trainingNames ?? classNames)
    }

    /// `labels`, indices into `names`, as indices into `trainingNames` when both are known; unchanged otherwise.
    static func labels(_ labels: [Int], named names: [String]?, asIndicesOf trainingNames: [String]?, source: String)
        throws -> [Int]
    {
        guard let names, let trainingNames, names != trainingNames else { return labels }
        let index = Dictionary(trainingNames.enumerated().map { ($1, $0) }) { first, _ in first }
        let mapping = try names.map { name in
            guard let position = index[name] else {
                throw CommandFailure("\(source): class '\(name)' is not among the training set's classes")
            }
            return position
        }
        return labels.map { mapping[$0] }
    }
}

/// A memory-mapped [N, D] array as the probe's rows.
struct MappedFeatureRows: FeatureRows {
    let array: MappedArray

    var rowCount: Int { array.rowCount }
    var columnCount: Int { array.rowLength }

    func copyRows(_ rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try array.copyRows(rows, into: destination)
    }
}

/// A class-folder tree, `DIR/<class>/<image>`: the classes are the sub-folders (hidden ones aside) sorted by name,
/// each holding PNG/JPEG files, sorted by name; sample order is class by class.
struct ClassFolders {
    let root: String
    /// The class names, sorted (bytes that are not UTF-8 shown as `\xNN`).
    let classNames: [String]
    /// Each class folder's path.
    let folders: [SystemPath]
    /// Every image, class by class.
    let files: [SystemPath]
    /// The class index of each image.
    let labels: [Int]

    /// Whether `path` is a folder (and so a class-folder tree rather than a features file).
    static func isFolder(_ path: String) throws -> Bool {
        do {
            return try Folder.exists(at: SystemPath(argument: path))
        } catch {
            throw CommandFailure("\(path): \(error.detail)")
        }
    }

    init(_ root: String) throws {
        let rootPath = SystemPath(argument: root)
        do {
            let entries = try Folder.entries(of: rootPath).filter { $0.first != UInt8(ascii: ".") }
            var folders: [(name: [UInt8], path: SystemPath)] = []
            for name in entries.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let path = rootPath.appending(name)
                if try Folder.exists(at: path) { folders.append((name, path)) }
            }
            guard !folders.isEmpty else {
                throw CommandFailure("\(root) holds no class folders: expected \(root)/<class>/<image>")
            }
            var files: [SystemPath] = []
            var labels: [Int] = []
            for (label, folder) in folders.enumerated() {
                let images = try Folder.entries(of: folder.path).filter(ImageInputOptions.isNamedLikeAnImage)
                files += images.sorted { $0.lexicographicallyPrecedes($1) }.map(folder.path.appending)
                labels += Array(repeating: label, count: images.count)
            }
            guard !files.isEmpty else { throw CommandFailure("the class folders of \(root) hold no PNG or JPEG files") }
            self.root = root
            classNames = folders.map { SystemPath(bytes: $0.name).description }
            self.folders = folders.map(\.path)
            self.files = files
            self.labels = labels
        } catch let failure as FileSystemFailure {
            throw CommandFailure("\(root): \(failure.detail)")
        }
    }
}
