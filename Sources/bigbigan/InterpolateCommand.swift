import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan interpolate`: a strip of images along the line between two latents.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Generate a PNG strip interpolating between two latents.",
        discussion: """
            Examples:
              bigbigan interpolate --from-seed 1 --to-seed 2 --steps 8 --output strip.png
              bigbigan interpolate --from a.npy --to b.npy --output strip.png     # row 0 of each [N,120] file
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions

    @Option(help: "Seed of the first latent.") var fromSeed: UInt64 = 0
    @Option(help: "Seed of the last latent.") var toSeed: UInt64 = 1
    @Option(help: "First latent from a .npy [N,120] (row 0).") var from: String?
    @Option(help: "Last latent from a .npy [N,120] (row 0).") var to: String?
    @Option(help: "Number of images, ends included.") var steps = 8
    @Option(help: "Output PNG strip.") var output: String
    @Option(help: "Generator channel multiplier (default: read from the weights, else 96 as released).") var ch: Int?

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
        guard output.hasSuffix(".png") else { throw ValidationError("--output must end in .png") }
    }

    func run() throws {
        let source = try weightOptions.source()
        let config = GeneratorConfig.matching(source, ch: ch)
        let a = try latent(file: from, seed: fromSeed, dimension: config.zDim)
        let b = try latent(file: to, seed: toSeed, dimension: config.zDim)
        var data: [Float] = []
        for i in 0 ..< steps {
            let t = Float(i) / Float(steps - 1)
            data += zip(a, b).map { (1 - t) * $0 + t * $1 }
        }
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let generator = try Generator(config: config, weights: source, backend: backend)
        let images = try GenerateCommand.generate(
            HostTensor(shape: [steps, config.zDim], data: data), with: generator,
            batchSize: steps, upsampled: false)
        try ImageFile.writePNG(ImageGrid.compose(images, columns: steps), to: URL(fileURLWithPath: output))
        Console.note("wrote a strip of \(steps) images to \(output)")
    }

    private func latent(file: String?, seed: UInt64, dimension: Int) throws -> [Float] {
        guard let file else { return try Latents.normal(count: 1, dimension: dimension, seed: seed).data }
        let tensor = try NPYFile.read(URL(fileURLWithPath: file))
        guard tensor.shape.rank == 2, tensor.shape[1] == dimension, tensor.shape[0] >= 1 else {
            throw ValidationError("\(file): expected [N,\(dimension)], got \(tensor.shape)")
        }
        return Array(tensor.data.prefix(dimension))
    }
}
