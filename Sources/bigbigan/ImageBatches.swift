import ArgumentParser
import BigBiGANIO
import FileAccess
import Tensors

/// The encoder's inputs, handed out a batch at a time. Image files are read and decoded only when their batch is asked
/// for, so a folder of any size holds one batch of images in memory; a .npy tensor is sliced.
struct ImageBatches {
    private enum Source {
        case tensor(HostTensor, names: [String])
        case files([SystemPath], resolution: Int, onError: ImageInputOptions.OnError)
    }

    private let source: Source
    private let batchSize: Int
    /// Inputs (samples or files) handed out or skipped so far.
    private(set) var position = 0
    /// Whether any file has been decoded.
    private var decodedAny = false

    /// Batches of a [N, R, R, 3] tensor, one name per sample.
    init(images: HostTensor, names: [String], batchSize: Int) {
        source = .tensor(images, names: names)
        self.batchSize = batchSize
    }

    /// Batches of image files, each centre-cropped and resized to `resolution`², unreadable ones stopping or skipped.
    init(files: [SystemPath], resolution: Int, batchSize: Int, onError: ImageInputOptions.OnError) {
        source = .files(files, resolution: resolution, onError: onError)
        self.batchSize = batchSize
    }

    /// The number of inputs: samples of the tensor, or files (some of which may be skipped).
    var count: Int {
        switch source {
        case .tensor(let images, _): images.shape[0]
        case .files(let files, _, _): files.count
        }
    }

    /// The next batch as [n, R, R, 3] in [-1, 1] with the name of each sample, or nil after the last.
    mutating func next() throws -> (images: HostTensor, names: [String])? {
        switch source {
        case .tensor(let images, let names): try nextSlice(of: images, names: names)
        case .files(let files, let resolution, let onError):
            try nextDecoded(files, resolution: resolution, onError: onError)
        }
    }

    private mutating func nextSlice(of images: HostTensor, names: [String]) throws -> (HostTensor, [String])? {
        guard position < names.count else { return nil }
        let start = position
        position += min(batchSize, names.count - start)
        let perSample = images.shape.perSample
        let batch = try HostTensor(
            shape: Shape([position - start] + Array(images.shape.dims.dropFirst())),
            data: Array(images.data[start * perSample ..< position * perSample]))
        return (batch, Array(names[start ..< position]))
    }

    private mutating func nextDecoded(_ files: [SystemPath], resolution: Int, onError: ImageInputOptions.OnError) throws
        -> (HostTensor, [String])?
    {
        var data: [Float] = []
        data.reserveCapacity(min(batchSize, files.count - position) * resolution * resolution * 3)
        var names: [String] = []
        while names.count < batchSize, position < files.count {
            let file = files[position]
            position += 1
            do {
                // JPEGs 16× the resolution or more are decoded at a reduced scale, keeping at least 8× it.
                let image = try ImageFile.read(file, shortSideAtLeast: 8 * resolution)
                data += try image.modelInput(resolution: resolution).data
                names.append(file.description)
            } catch {
                if onError == .stop { throw CommandFailure("\(error)") }
                Console.note("skipping \(file): \(error)")
            }
        }
        guard !names.isEmpty else {
            if !decodedAny { throw CommandFailure("none of the \(files.count) input image(s) could be read") }
            return nil
        }
        decodedAny = true
        return (try HostTensor(shape: [names.count, resolution, resolution, 3], data: data), names)
    }
}
