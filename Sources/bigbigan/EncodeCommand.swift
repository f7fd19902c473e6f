import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan encode`: images → z_mean, z_stdev, z_sample, avepool_feat, bn_crelu_feat.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode images into BigBiGAN latents and representation features.",
        discussion: """
            Writes z_mean, z_stdev, z_sample [N,120], avepool_feat [N,2048|8192] and bn_crelu_feat [N,4096|16384]
            under those names; safetensors metadata lists the inputs in order.
            Examples:
              bigbigan encode photos/ --output features.safetensors
              bigbigan encode a.jpg b.png --encoder revnet50x4 --output features.npz
              bigbigan encode batch.npy --output features.safetensors     # float32 [N,256,256,3] in [-1,1]
              bigbigan encode photos/ --weights bigbigan-resnet50/ --engine graph --output features.npz
            """
    )

    enum EncoderChoice: String, ExpressibleByArgument { case resnet50, revnet50x4 }

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var inputOptions: ImageInputOptions

    @Option(help: "Encoder: resnet50 or revnet50x4.") var encoder: EncoderChoice = .resnet50
    @Option(help: "Encoder width (default: read from the weights, else 256 / 1024 as released).") var width: Int?
    @Option(help: "Output: .safetensors or .npz.") var output: String
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Option(help: "Seed of the noise ε in z_sample = z_mean + z_stdev·ε.") var noiseSeed: UInt64 = 0

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard output.hasSuffix(".safetensors") || output.hasSuffix(".npz") else {
            throw ValidationError("--output must end in .safetensors or .npz")
        }
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
        try OptionLimits.checkWidth(width)
    }

    var architecture: EncoderArchitecture { encoder == .resnet50 ? .resnet50 : .revnet50x4 }

    func run() throws {
        try OutputLocation.checkFile(
            output, option: "--output", inputs: inputOptions.inputs + [weightOptions.weights].compactMap { $0 },
            scannedFolders: OutputLocation.folders(among: inputOptions.inputs))
        let source = try weightOptions.source()
        let config = try EncoderConfig.matching(architecture, weights: source, width: width)
        try config.validate()
        var batches = try inputOptions.batches(resolution: config.resolution, batchSize: batchSize)
        guard batches.count > 0 else {
            throw CommandFailure("no images to encode in \(inputOptions.inputs.joined(separator: ", "))")
        }
        weightOptions.announce()
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        try ModelMemory.check(
            "encode", models: [.encoder(config)], batch: min(batchSize, batches.count), on: backend,
            hint: "Use a smaller --batch-size (or --width).")
        let model = try Self.runner(
            engineOptions.engine, config: config, source: source, weights: weightOptions, backend: backend,
            precision: precisionOptions.precision)
        let (features, names) = try Self.encode(&batches, with: model, noiseSeed: noiseSeed)
        // Under --on-error skip every input may have been left out: an empty result replaces nothing.
        guard !names.isEmpty else { throw CommandFailure("none of the \(batches.count) inputs could be encoded") }
        let url = URL(fileURLWithPath: output)
        if output.hasSuffix(".npz") {
            try NPZFile.write(features, to: url)
        } else {
            let inputs = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
            try SafetensorsFile.write(
                features,
                metadata: [
                    "inputs": inputs, "encoder": encoder.rawValue, "weights": weightOptions.describe(),
                    "engine": model.engine.rawValue,
                ], to: url)
        }
        let shapes = features.keys.sorted().map { "\($0) \(features[$0]!.shape)" }.joined(separator: ", ")
        Console.note(
            "encoded \(names.count) image(s) on \(backend.name) (\(model.engine.rawValue) engine) → \(output): \(shapes)"
        )
    }

    /// The encoder `engine` chooses for `config`'s architecture: native, or the module's `encode` graph, which must
    /// take the images at `config.resolution`.
    static func runner(
        _ engine: Engine, config: EncoderConfig, source: any WeightSource, weights: WeightOptions,
        backend: any Backend, precision: Precision
    ) throws -> EncoderRunner {
        let module = try EngineSelection.choose(
            engine, signature: "encode", weights: weights.weights, encoder: config.architecture, backend: backend,
            precision: precision)
        guard let module else {
            return .native(
                try Encoder(config: config, weights: WeightOptions.forEncoder(source, config), backend: backend))
        }
        let runner = try EncoderRunner.graph(module, backend: backend)
        guard runner.resolution == config.resolution else {
            throw CommandFailure(
                "the module's encode signature takes \(runner.resolution)×\(runner.resolution) images, not \(config.resolution)×\(config.resolution)"
            )
        }
        return runner
    }

    /// Runs the encoder on each batch as it is read; the samples of batch b use noise seed `noiseSeed + b`.
    /// Returns the features of every sample, in order, and the samples' names.
    static func encode(_ batches: inout ImageBatches, with model: EncoderRunner, noiseSeed: UInt64) throws -> (
        features: [String: HostTensor], names: [String]
    ) {
        var outputs: [String: (shape: [Int], data: [Float])] = [:]
        var names: [String] = []
        try encodeBatches(&batches, with: model, noiseSeed: noiseSeed) { batch, batchNames in
            names += batchNames
            for (name, host) in batch {
                outputs[name, default: ([0] + Array(host.shape.dims.dropFirst()), [])].data += host.data
            }
        }
        let features = try outputs.mapValues {
            try HostTensor(shape: Shape([names.count] + Array($0.shape.dropFirst())), data: $0.data)
        }
        return (features, names)
    }

    /// Runs the encoder on each batch as it is read, the samples of batch b with noise seed `noiseSeed + b`, and
    /// hands `consume` each batch's outputs (every name of `EncoderRunner.outputNames`, checked finite) and its
    /// samples' names, in order, so that the features of a large set need never be in memory together.
    static func encodeBatches(
        _ batches: inout ImageBatches, with model: EncoderRunner, noiseSeed: UInt64,
        _ consume: (_ features: [String: HostTensor], _ names: [String]) throws -> Void
    ) throws {
        let backend = model.backend
        var encoded = 0
        var batchIndex: UInt64 = 0
        while let (batch, batchNames) = try batches.next() {
            let out = try model.forward(backend.upload(batch), noiseSeed &+ batchIndex)
            var features: [String: HostTensor] = [:]
            for name in EncoderRunner.outputNames {
                guard let tensor = out[name] else { throw CommandFailure("the encoder returned no \(name)") }
                let host = try backend.download(tensor)
                guard host.data.allSatisfy(\.isFinite) else {
                    throw CommandFailure(
                        "the encoder produced NaN or infinite \(name) for samples \(encoded)..<\(encoded + batchNames.count); check the weights"
                    )
                }
                features[name] = host
            }
            try consume(features, batchNames)
            encoded += batchNames.count
            batchIndex += 1
            Console.progress(batches.position, of: batches.count, "inputs encoded")
        }
    }
}
