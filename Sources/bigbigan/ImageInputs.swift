import ArgumentParser
import BigBiGANIO
import FileAccess
import Foundation
import Tensors

/// Image inputs of `encode` and `reconstruct`: files and directories of PNG/JPEG, or one .npy batch,
/// preprocessed as the BigBiGAN colab does (centre square crop, bicubic resize, x/127.5 − 1).
struct ImageInputOptions: ParsableArguments {
    enum OnError: String, ExpressibleByArgument { case stop, skip }

    @Argument(help: "Image files (PNG, JPEG), directories of them, or one .npy float32 [N,R,R,3] in [-1,1].")
    var inputs: [String]

    @Option(help: "On an unreadable image: stop (nothing is written) or skip it with a warning.")
    var onError: OnError = .stop

    /// The input files in order: directories contribute their entries named like PNG/JPEG files, sorted by name.
    /// Paths keep their bytes, so names need not be UTF-8.
    func files() throws -> [SystemPath] {
        var files: [SystemPath] = []
        for input in inputs {
            let path = SystemPath(argument: input)
            do {
                if try Folder.exists(at: path) {
                    let names = try Folder.entries(of: path).filter(Self.isNamedLikeAnImage)
                    files += names.sorted { $0.lexicographicallyPrecedes($1) }.map(path.appending)
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

    /// Whether a file name ends in .png, .jpg or .jpeg in any case (bytes that are not UTF-8 cannot be part of those).
    static func isNamedLikeAnImage(_ name: [UInt8]) -> Bool {
        let lowercased = String(decoding: name, as: UTF8.self).lowercased()
        return [".png", ".jpg", ".jpeg"].contains(where: lowercased.hasSuffix)
    }
}
