import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan generate`: images from latents, as a PNG grid, one PNG per sample, or a float32 .npy.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate images G(z) from random or given latents.",
        discussion: """
            Examples:
              bigbigan generate --count 16 --seed 0 --output grid.png
              bigbigan generate --z z.npy --output images.npy          # float32 [N,128,128,3] in [-1,1]
              bigbigan generate --count 8 --upsampled --output-dir samples/
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions

    @Option(help: "Number of images (with --seed).") var count = 16
    @Option(help: "Seed of the latents z ~ N(0, I).") var seed: UInt64 = 0
    @Option(help: "Latents from a float32 .npy of shape [N,120] instead of --count/--seed.") var z: String?
    @Option(help: "Output file: .png writes a grid, .npy writes float32 NHWC in [-1,1].") var output: String?
    @Option(help: "Output directory: one PNG per sample.") var outputDir: String?
    @Flag(help: "Write the 256×256 `upsampled` output instead of 128×128.") var upsampled = false
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Option(help: "Generator channel multiplier (default: read from the weights, else 96 as released).") var ch: Int?

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard (output == nil) != (outputDir == nil) else {
            throw ValidationError("give exactly one of --output or --output-dir")
        }
        if let output, !output.hasSuffix(".png"), !output.hasSuffix(".npy") {
            throw ValidationError("--output must end in .png or .npy")
        }
        guard count >= 1, batchSize >= 1 else { throw ValidationError("--count and --batch-size must be at least 1") }
    }

    func run() throws {
        let source = try weightOptions.source()
        let config = GeneratorConfig.matching(source, ch: ch)
        let latents =
            try z.map { try NPYFile.read(URL(fileURLWithPath: $0)) }
            ?? Latents.normal(count: count, dimension: config.zDim, seed: seed)
        guard latents.shape.rank == 2, latents.shape[1] == config.zDim, latents.shape[0] >= 1 else {
            throw ValidationError("latents must be [N,\(config.zDim)], got \(latents.shape)")
        }
        guard latents.data.allSatisfy(\.isFinite) else {
            throw ValidationError("the latents contain NaN or infinite values")
        }
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let generator = try Generator(config: config, weights: source, backend: backend)
        let images = try Self.generate(latents, with: generator, batchSize: batchSize, upsampled: upsampled)
        try write(images)
        Console.note(
            "wrote \(images.shape[0]) image(s) \(images.shape) to \(output ?? outputDir ?? "") on \(backend.name)")
    }

    /// Runs the generator over `latents` in batches; throws if any output is not finite.
    static func generate(_ latents: HostTensor, with generator: Generator, batchSize: Int, upsampled: Bool) throws
        -> HostTensor
    {
        let backend = generator.backend
        let n = latents.shape[0]
        let dim = latents.shape[1]
        var data: [Float] = []
        var shape: Shape = []
        for start in stride(from: 0, to: n, by: batchSize) {
            let end = min(start + batchSize, n)
            let batch = try HostTensor(shape: [end - start, dim], data: Array(latents.data[start * dim ..< end * dim]))
            let output = try generator(backend.upload(batch))
            let images = try backend.download(upsampled ? output.upsampled : output.image)
            guard images.data.allSatisfy(\.isFinite) else {
                throw ValidationError(
                    "the generator produced NaN or infinite values for samples \(start)..<\(end); check the weights")
            }
            data += images.data
            shape = Shape([n] + Array(images.shape.dims.dropFirst()))
            Console.progress(end, of: n, "images")
        }
        return try HostTensor(shape: shape, data: data)
    }

    private func write(_ images: HostTensor) throws {
        if let output {
            let url = URL(fileURLWithPath: output)
            if output.hasSuffix(".npy") {
                try NPYFile.write(images, to: url)
            } else {
                try ImageFile.writePNG(ImageGrid.compose(images), to: url)
            }
        } else if let outputDir {
            let directory = URL(fileURLWithPath: outputDir)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (i, image) in try images.rgbImages().enumerated() {
                try ImageFile.writePNG(
                    image, to: directory.appendingPathComponent(String(format: "sample_%05d.png", i)))
            }
        }
    }
}
