import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan reconstruct`: each input beside G(E(x)), as a PNG grid.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Reconstruct images through the encoder and generator: x beside G(E(x)).",
        discussion: "Example: bigbigan reconstruct photos/ --output reconstructions.png"
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var inputOptions: ImageInputOptions
    @OptionGroup var gridZoom: GridZoom

    @Option(help: "Encoder: resnet50 or revnet50x4.") var encoder: EncodeCommand.EncoderChoice = .resnet50
    @Option(help: "Output PNG grid.") var output: String
    @Flag(help: "Use z_sample instead of z_mean.") var sample = false
    @Option(help: "Seed of the noise in z_sample.") var noiseSeed: UInt64 = 0
    @Option(help: "Images per forward pass.") var batchSize = 8

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard output.hasSuffix(".png") else { throw ValidationError("--output must end in .png") }
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
    }

    func run() throws {
        try OutputLocation.checkFile(
            output, option: "--output", inputs: inputOptions.inputs + [weightOptions.file()].compactMap { $0 },
            scannedFolders: OutputLocation.folders(among: inputOptions.inputs))
        let source = try weightOptions.source()
        let encoderConfig = try EncoderConfig.matching(encoder == .resnet50 ? .resnet50 : .revnet50x4, weights: source)
        let generatorConfig = GeneratorConfig.matching(source)
        try encoderConfig.validate()
        try generatorConfig.validate()
        let (images, names) = try inputOptions.load(resolution: encoderConfig.resolution)
        let count = images.shape[0]
        guard count >= 1 else {
            throw CommandFailure("no images to reconstruct in \(inputOptions.inputs.joined(separator: ", "))")
        }
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        try ModelMemory.check(
            "reconstruct", models: [.encoder(encoderConfig), .generator(generatorConfig)],
            batch: min(batchSize, count), on: backend, hint: "Use a smaller --batch-size.")
        var batches = ImageBatches(images: images, names: names, batchSize: batchSize)
        let (features, _) = try EncodeCommand.encode(
            &batches,
            with: EncodeCommand.runner(
                engineOptions.engine, config: encoderConfig, source: source, weights: weightOptions, backend: backend,
                precision: precisionOptions.precision),
            noiseSeed: noiseSeed)
        guard let z = features[sample ? "z_sample" : "z_mean"] else {
            throw CommandFailure("the encoder returned no latents")
        }
        var reconstructions: [RGBImage] = []
        try GenerateCommand.generate(
            count: count, latents: { try z.rows($0) },
            with: GeneratorRunner.choose(
                engineOptions.engine, config: generatorConfig, source: source, weights: weightOptions.file(),
                upsampled: false, backend: backend, precision: precisionOptions.precision),
            batchSize: batchSize, upsampled: false
        ) { reconstructions += try $0.rgbImages() }
        // Inputs shown at the generator's resolution, each followed by its reconstruction.
        let cpu = CPUBackend()
        let r = generatorConfig.resolution
        let small = try cpu.download(
            cpu.resize(cpu.upload(images), options: ResizeOptions(height: r, width: r, method: .bilinear)))
        let zoom = gridZoom.factor(resolution: r)
        var pairs: [RGBImage] = []
        for i in 0 ..< count {
            pairs.append(try RGBImage(tensor: small, index: i).enlarged(by: zoom))
            pairs.append(try reconstructions[i].enlarged(by: zoom))
        }
        try ImageFile.writePNG(ImageGrid.compose(pairs, columns: min(8, pairs.count)), to: URL(fileURLWithPath: output))
        Console.note("wrote \(count) input/reconstruction pair(s) to \(output)\(gridZoom.note(resolution: r))")
    }
}
