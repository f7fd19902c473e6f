import BigBiGANIO
import Foundation

/// Opens weights by path, whatever form they come in.
public enum WeightFiles {
    /// - a TF-Hub module directory (only its `variables/` folder is read),
    /// - a `variables/` folder, or a checkpoint prefix such as `module/variables/variables` (or its `.index` file),
    /// - a `.safetensors` file written by `bigbigan convert`.
    public static func open(_ path: String) throws -> any WeightSource {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: path, isDirectory: &isDirectory)
        if let prefix = checkpointPrefix(path) { return try CheckpointWeights(prefix: prefix) }
        if exists, isDirectory.boolValue {
            throw TensorFileError(
                path: path, kind: .unreadable,
                detail: "a folder without variables/variables.index: not a TF-Hub module or its variables/ folder")
        }
        if exists, path.hasSuffix(".safetensors") { return try SafetensorsWeights(url: URL(fileURLWithPath: path)) }
        guard exists else {
            let prefix = path.hasSuffix(".index") ? String(path.dropLast(".index".count)) : path
            throw TensorFileError(
                path: path, kind: .unreadable, detail: "no such file, folder or checkpoint prefix (no \(prefix).index)")
        }
        throw TensorFileError(
            path: path, kind: .unsupported,
            detail: "not a weights file: expected a TF-Hub module folder, a checkpoint prefix or a .safetensors file")
    }

    /// The checkpoint prefix `path` names — a module folder, its `variables/` folder, a prefix or a `.index`
    /// file — or nil when there is no such checkpoint.
    public static func checkpointPrefix(_ path: String) -> URL? {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let folder = URL(fileURLWithPath: path)
            return [folder.appendingPathComponent("variables/variables"), folder.appendingPathComponent("variables")]
                .first { manager.fileExists(atPath: TensorBundle.indexURL($0).path) }
        }
        let prefix = path.hasSuffix(".index") ? String(path.dropLast(".index".count)) : path
        return manager.fileExists(atPath: prefix + ".index") ? URL(fileURLWithPath: prefix) : nil
    }
}
