import ArgumentParser
import BigBiGANIO
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

    /// The input files in order: directories contribute their PNG/JPEG files sorted by name.
    func files() throws -> [URL] {
        var urls: [URL] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw ValidationError("\(input): no such file or directory")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
                urls += names.filter { [".png", ".jpg", ".jpeg"].contains(where: $0.lowercased().hasSuffix) }
                    .map { URL(fileURLWithPath: input).appendingPathComponent($0) }
            } else {
                urls.append(URL(fileURLWithPath: input))
            }
        }
        guard !urls.isEmpty else { throw ValidationError("no PNG or JPEG files among the inputs") }
        return urls
    }

    /// Loads the inputs as [N, resolution, resolution, 3] in [-1, 1], with the name of each sample.
    func load(resolution: Int) throws -> (images: HostTensor, names: [String]) {
        if inputs.count == 1, inputs[0].hasSuffix(".npy") {
            let tensor = try NPYFile.read(URL(fileURLWithPath: inputs[0]))
            guard tensor.shape.rank == 4, tensor.shape[1] == resolution, tensor.shape[2] == resolution,
                tensor.shape[3] == 3
            else {
                throw ValidationError(
                    "\(inputs[0]): expected float32 [N,\(resolution),\(resolution),3], got \(tensor.shape)")
            }
            guard tensor.data.allSatisfy(\.isFinite) else {
                throw ValidationError("\(inputs[0]) contains NaN or infinite values")
            }
            return (tensor, (0 ..< tensor.shape[0]).map { "\(inputs[0])[\($0)]" })
        }
        let urls = try files()
        var data: [Float] = []
        var names: [String] = []
        for (i, url) in urls.enumerated() {
            do {
                // JPEGs 16× the resolution or more are decoded at a reduced scale, keeping at least 8× it.
                let image = try ImageFile.read(url, shortSideAtLeast: 8 * resolution)
                data += try image.centerSquareTensor(resolution: resolution).data
                names.append(url.path)
            } catch {
                if onError == .stop { throw ValidationError("\(error)") }
                Console.note("skipping \(url.path): \(error)")
            }
            Console.progress(i + 1, of: urls.count, "images read")
        }
        guard !names.isEmpty else { throw ValidationError("none of the \(urls.count) input image(s) could be read") }
        return (try HostTensor(shape: [names.count, resolution, resolution, 3], data: data), names)
    }
}
