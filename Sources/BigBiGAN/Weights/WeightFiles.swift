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
        if exists, isDirectory.boolValue {
            let folder = URL(fileURLWithPath: path)
            for prefix in [folder.appendingPathComponent("variables/variables"), folder.appendingPathComponent("variables")]
            where manager.fileExists(atPath: TensorBundle.indexURL(prefix).path) {
                return try CheckpointWeights(prefix: prefix)
            }
            throw TensorFileError(path: path, kind: .unreadable,
                                  detail: "a folder without variables/variables.index: not a TF-Hub module or its variables/ folder")
        }
        if exists, path.hasSuffix(".safetensors") { return try SafetensorsWeights(url: URL(fileURLWithPath: path)) }
        let prefix = path.hasSuffix(".index") ? String(path.dropLast(".index".count)) : path
        if manager.fileExists(atPath: prefix + ".index") { return try CheckpointWeights(prefix: URL(fileURLWithPath: prefix)) }
        guard exists else {
            throw TensorFileError(path: path, kind: .unreadable, detail: "no such file, folder or checkpoint prefix (no \(prefix).index)")
        }
        throw TensorFileError(path: path, kind: .unsupported,
                              detail: "not a weights file: expected a TF-Hub module folder, a checkpoint prefix or a .safetensors file")
    }
}
