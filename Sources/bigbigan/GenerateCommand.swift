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
              bigbigan generate --count 16 --seed 0 --output grid.png   # the default model: 32×32 clothing, shown 4×
              bigbigan generate --z z.npy --output images.npy          # float32 [N,32,32,3] in [-1,1]
              bigbigan generate --count 8 --upsampled --output-dir samples/
              bigbigan generate --weights bigbigan-resnet50/ --engine graph --upsampled --output grid.png
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var gridZoom: GridZoom

    @Option(help: "Number of images, with latents from --seed (default 16).") var count: Int?
    @Option(help: "Seed of the latents z ~ N(0, I) (default 0).") var seed: UInt64?
    @Option(help: "Latents from a float32 .npy of shape [N,120] instead of --count/--seed.") var z: String?
    @Option(help: "Output file: .png writes a grid, .npy writes float32 NHWC in [-1,1] batch by batch.")
    var output: String?
    @Option(help: "Output directory: one PNG per sample, replacing the sample_* files of an earlier run.")
    var outputDir: String?
    @Flag(help: "Write the `upsampled` output (twice the side: 256×256 for the released model) instead.")
    var upsampled = false
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Option(help: "Generator channel multiplier (default: read from the weights, else 96 as released).") var ch: Int?

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        _ = try SampleOutput(output: output, outputDir: outputDir)
        if z != nil, count != nil || seed != nil {
            throw ValidationError("--z gives the latents, --count and --seed draw them: give one or the other")
        }
        try OptionLimits.check(count, "--count", in: OptionLimits.images)
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
        try OptionLimits.checkCh(ch)
        try weightOptions.checkSize("--ch", ch)
    }

    func run() throws {
        let target = try SampleOutput(output: output, outputDir: outputDir)
        let source = try weightOptions.source()
        let config = GeneratorConfig.matching(source, ch: ch)
        try config.validate()
        let given = try z.map { try Self.readLatents($0, dimension: config.zDim) }
        let count = given?.shape[0] ?? self.count ?? 16
        let resolution = upsampled ? 2 * config.resolution : config.resolution
        let zoom = gridZoom.factor(resolution: resolution)
        try target.check(
            count: count, resolution: resolution, zoom: zoom, inputs: [z, weightOptions.file()].compactMap { $0 })
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        try ModelMemory.check(
            "generate", models: [.generator(config)], batch: min(batchSize, count), on: backend,
            hint: "Use a smaller --batch-size (or --ch).")
        let generator = try GeneratorRunner.choose(
            engineOptions.engine, config: config, source: source, weights: weightOptions.file(), upsampled: upsampled,
            backend: backend, precision: precisionOptions.precision)
        var stream = Latents.Stream(dimension: config.zDim, seed: seed ?? 0)
        let written = try target.write(count: count, resolution: resolution, zoom: zoom) { emit in
            try Self.generate(
                count: count, latents: { try given?.rows($0) ?? stream.next($0.count) }, with: generator,
                batchSize: batchSize, upsampled: upsampled, emit)
        }
        let enlarged = if case .grid = target { gridZoom.note(resolution: resolution) } else { "" }
        Console.note("wrote \(written) on \(backend.name)\(enlarged)")
    }

    /// The latents of a `--z` file: [N, dimension] with N ≥ 1, every value plausible (`Latents.problem(in:)`).
    static func readLatents(_ path: String, dimension: Int) throws -> HostTensor {
        let z = try NPYFile.read(URL(fileURLWithPath: path))
        guard z.shape.rank == 2, z.shape[1] == dimension, z.shape[0] >= 1 else {
            throw CommandFailure("\(path): latents must be [N,\(dimension)] with N ≥ 1, got \(z.shape)")
        }
        if let problem = Latents.problem(in: z) { throw CommandFailure("\(path): not latents: \(problem)") }
        return z
    }

    /// Runs `generator` over `count` latents, which `latents` gives for a range of rows, `batchSize` at a time,
    /// and hands each batch's images to `emit` in order. Throws if any output is not finite: the latents were
    /// checked, so the weights are to blame.
    static func generate(
        count: Int, latents: (Range<Int>) throws -> HostTensor, with generator: GeneratorRunner, batchSize: Int,
        upsampled: Bool, _ emit: (HostTensor) throws -> Void
    ) throws {
        let backend = generator.backend
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = min(start + batchSize, count)
            let images = try backend.download(generator.forward(backend.upload(latents(start ..< end)), upsampled))
            guard images.data.allSatisfy(\.isFinite) else {
                throw CommandFailure(
                    "the generator produced NaN or infinite values for samples \(start)..<\(end) from valid latents; check the weights"
                )
            }
            try emit(images)
            Console.progress(end, of: count, "images")
        }
    }
}

extension HostTensor {
    /// The rows `range` of a [N, …] tensor.
    func rows(_ range: Range<Int>) throws -> HostTensor {
        let perRow = shape.perSample
        return try HostTensor(
            shape: Shape([range.count] + shape.dims.dropFirst()),
            data: Array(data[range.lowerBound * perRow ..< range.upperBound * perRow]))
    }
}
