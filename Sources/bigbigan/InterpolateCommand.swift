import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan interpolate`: images along the line between two latents, as a PNG strip, a .npy or one PNG each.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Generate images interpolating between two latents: a PNG strip, a .npy or one PNG per image.",
        discussion: """
            Examples:
              bigbigan interpolate --from-seed 1 --to-seed 2 --steps 8 --output strip.png
              bigbigan interpolate --from a.npy --to b.npy --output strip.png     # row 0 of each [N,120] file
              bigbigan interpolate --steps 100000 --output path.npy                # written batch by batch
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var gridZoom: GridZoom

    @Option(help: "Seed of the first latent.") var fromSeed: UInt64 = 0
    @Option(help: "Seed of the last latent.") var toSeed: UInt64 = 1
    @Option(help: "First latent from a .npy [N,120] (row 0).") var from: String?
    @Option(help: "Last latent from a .npy [N,120] (row 0).") var to: String?
    @Option(help: "Number of images, ends included.") var steps = 8
    @Option(help: "Output file: .png writes a strip, .npy writes float32 NHWC in [-1,1] batch by batch.")
    var output: String?
    @Option(help: "Output directory: one PNG per image, replacing the sample_* files of an earlier run.")
    var outputDir: String?
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Option(help: "Generator channel multiplier (default: read from the weights, else 96 as released).") var ch: Int?

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        _ = try SampleOutput(output: output, outputDir: outputDir)
        try OptionLimits.check(steps, "--steps", in: 2 ... OptionLimits.images.upperBound)
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
        try OptionLimits.checkCh(ch)
        try weightOptions.checkSize("--ch", ch)
    }

    func run() throws {
        let target = try SampleOutput(output: output, outputDir: outputDir, columns: steps)
        let source = try weightOptions.source()
        let config = GeneratorConfig.matching(source, ch: ch)
        try config.validate()
        let a = try latent(file: from, seed: fromSeed, dimension: config.zDim)
        let b = try latent(file: to, seed: toSeed, dimension: config.zDim)
        let zoom = gridZoom.factor(resolution: config.resolution)
        try target.check(
            count: steps, resolution: config.resolution, zoom: zoom,
            inputs: [from, to, weightOptions.file()].compactMap { $0 })
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        try ModelMemory.check(
            "interpolate", models: [.generator(config)], batch: min(batchSize, steps), on: backend,
            hint: "Use a smaller --batch-size (or --ch).")
        let generator = try GeneratorRunner.choose(
            engineOptions.engine, config: config, source: source, weights: weightOptions.file(), upsampled: false,
            backend: backend, precision: precisionOptions.precision)
        let written = try target.write(count: steps, resolution: config.resolution, zoom: zoom) { emit in
            try GenerateCommand.generate(
                count: steps, latents: { try interpolation(a, b, rows: $0) }, with: generator, batchSize: batchSize,
                upsampled: false, emit)
        }
        let enlarged = if case .grid = target { gridZoom.note(resolution: config.resolution) } else { "" }
        Console.note("wrote \(written)\(enlarged)")
    }

    /// Rows `rows` of the `steps` latents from `a` to `b`, ends included.
    private func interpolation(_ a: [Float], _ b: [Float], rows: Range<Int>) throws -> HostTensor {
        var data: [Float] = []
        for i in rows {
            let t = Float(i) / Float(steps - 1)
            data += zip(a, b).map { (1 - t) * $0 + t * $1 }
        }
        return try HostTensor(shape: [rows.count, a.count], data: data)
    }

    private func latent(file: String?, seed: UInt64, dimension: Int) throws -> [Float] {
        guard let file else { return try Latents.normal(count: 1, dimension: dimension, seed: seed).data }
        return Array(try GenerateCommand.readLatents(file, dimension: dimension).data.prefix(dimension))
    }
}
