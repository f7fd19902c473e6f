import ArgumentParser
import BigBiGANIO
import FileAccess
import Foundation
import Tensors

/// Where `generate` and `interpolate` put their images: a PNG grid, a float32 `.npy` [N,R,R,3] in [-1,1], or one PNG
/// per sample in a folder. The `.npy` and the folder are written batch by batch, so a run of any length holds one
/// batch in memory and needs disk instead; the grid is composed in memory, which is checked first.
enum SampleOutput {
    case grid(URL, columns: Int?)
    case npy(URL)
    case folder(URL)

    /// From `--output` (`.png`: a grid of `columns` columns, default square; `.npy`) or `--output-dir`.
    init(output: String?, outputDir: String?, columns: Int? = nil) throws {
        switch (output, outputDir) {
        case (let output?, nil) where output.hasSuffix(".png"):
            self = .grid(URL(fileURLWithPath: output), columns: columns)
        case (let output?, nil) where output.hasSuffix(".npy"): self = .npy(URL(fileURLWithPath: output))
        case (nil, let folder?): self = .folder(URL(fileURLWithPath: folder, isDirectory: true))
        case (_?, nil): throw ValidationError("--output must end in .png or .npy")
        default: throw ValidationError("give exactly one of --output or --output-dir")
        }
    }

    var path: String {
        switch self {
        case .grid(let url, _), .npy(let url), .folder(let url): url.path
        }
    }

    /// The file name of sample `index` in a folder.
    static func sampleName(_ index: Int) -> String { String(format: "sample_%05d.png", index) }

    /// Whether `name` is a sample file name, of this run or an earlier one.
    static func isSampleName(_ name: String) -> Bool {
        guard name.hasPrefix("sample_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst("sample_".count).dropLast(".png".count)
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    /// Checks before any work that the output can be written, is none of `inputs`, and has room for `count` images of
    /// `resolution`²: free disk for the `.npy` and the folder, physical memory for the grid (its images enlarged
    /// `zoom`×).
    func check(count: Int, resolution: Int, zoom: Int = 1, inputs: [String]) throws {
        let pixels = MemoryEstimate.product(resolution * resolution, 3)
        var estimate = MemoryEstimate()
        switch self {
        case .grid(let url, let columns):
            try OutputLocation.checkFile(url.path, option: "--output", inputs: inputs)
            let columns = columns ?? Int(Double(count).squareRoot().rounded(.up))
            let rows = (count + columns - 1) / columns
            let side = MemoryEstimate.product(resolution, zoom)
            let gridPixels = MemoryEstimate.product(
                MemoryEstimate.product(columns, side + 2) + 2, MemoryEstimate.product(rows, side + 2) + 2)
            estimate.add("\(count) images of 8-bit RGB", count: count, bytesEach: pixels)
            estimate.add("the \(columns)×\(rows) grid", count: gridPixels, bytesEach: 3)
            try estimate.check(
                "a PNG grid of \(count) images", against: MachineMemory.physical,
                hint:
                    "Write a .npy (--output x.npy) or one PNG per image (--output-dir), which are written batch by batch."
            )
        case .npy(let url):
            try OutputLocation.checkFile(url.path, option: "--output", inputs: inputs)
            estimate.add("\(count) float32 images", count: count, bytesEach: MemoryEstimate.product(pixels, 4))
            try checkDisk(estimate, count: count)
        case .folder(let url):
            try OutputLocation.checkFolder(url.path, option: "--output-dir")
            estimate.add("\(count) PNG files of up to about their raw size", count: count, bytesEach: pixels)
            try checkDisk(estimate, count: count)
        }
    }

    private func checkDisk(_ estimate: MemoryEstimate, count: Int) throws {
        guard let free = MachineMemory.freeDisk(at: path) else { return }
        try estimate.check(
            "writing \(count) images", against: free, hint: "Free some space or write fewer images.")
    }

    /// Writes `count` images of `resolution`² that `produce` hands over, a batch [n,R,R,3] at a time, to `emit`
    /// (a grid shows them enlarged `zoom`× by nearest neighbour); returns what was written, for the closing note. The output appears only if all `count` are written (the
    /// folder's earlier `sample_*` files that this run did not write are then removed, and named on stderr).
    func write(
        count: Int, resolution: Int, zoom: Int = 1, _ produce: (_ emit: (HostTensor) throws -> Void) throws -> Void
    ) throws -> String {
        switch self {
        case .grid(let url, let columns):
            var images: [RGBImage] = []
            try produce { images += try $0.rgbImages().map { try $0.enlarged(by: zoom) } }
            try ImageFile.writePNG(ImageGrid.compose(images, columns: columns), to: url)
            return "a grid of \(images.count) images in \(url.path)"
        case .npy(let url):
            let shape: Shape = [count, resolution, resolution, 3]
            try NPYFile.write(shape: shape, to: url) { rows in try produce { try rows.append($0) } }
            return "\(count) images \(shape) in \(url.path)"
        case .folder(let url):
            var written = 0
            let removed = try StagedFiles.replace(in: url, setName: "samples", belongsToTheSet: Self.isSampleName) {
                stage in
                try produce { batch in
                    for image in try batch.rgbImages() {
                        try ImageFile.writePNG(image, to: stage.url(for: Self.sampleName(written)))
                        written += 1
                    }
                }
            }
            if !removed.isEmpty {
                Console.note(
                    "removed \(removed.count) sample file(s) of an earlier run from \(url.path): "
                        + Self.summary(of: removed))
            }
            return "\(written) PNG files in \(url.path)"
        }
    }

    /// "a, b, c" or, for many names, "a, b, … z".
    static func summary(of names: [String]) -> String {
        names.count <= 4 ? names.joined(separator: ", ") : "\(names[0]), \(names[1]), …, \(names[names.count - 1])"
    }
}
