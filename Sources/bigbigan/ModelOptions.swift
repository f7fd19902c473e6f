import ArgumentParser
import BigBiGAN
import Foundation
import GraphEngine
import Tensors

/// Which model to run, at which size, with which weights.
struct ModelOptions: ParsableArguments {
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case generator, resnet50, revnet50x4
    }

    @Option(help: "Model: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model = .generator

    @Option(
        help:
            "Generator channel multiplier (default: read from the weights, else 96 as released); smaller values run a reduced generator."
    )
    var ch: Int?

    @Option(
        help:
            "Encoder width (default: read from the weights, else 256 for resnet50, 1024 for revnet50x4); smaller values run a reduced encoder."
    )
    var width: Int?

    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions

    func generatorConfig(_ source: any WeightSource) -> GeneratorConfig { .matching(source, ch: ch) }

    func encoderConfig(_ source: any WeightSource) throws -> EncoderConfig {
        try .matching(model == .revnet50x4 ? .revnet50x4 : .resnet50, weights: source, width: width)
    }

    /// Rejects `--ch` and `--width` outside their ranges.
    func validate() throws {
        try OptionLimits.checkCh(ch)
        try OptionLimits.checkWidth(width)
    }

    /// Throws unless the model's config is valid and `backend` has room for it at `batch` (`ModelMemory`).
    func checkMemory(_ job: String, source: any WeightSource, batch: Int, on backend: any Backend) throws {
        let size: ModelMemory.Size
        if model == .generator {
            let config = generatorConfig(source)
            try config.validate()
            size = .generator(config)
        } else {
            let config = try encoderConfig(source)
            try config.validate()
            size = .encoder(config)
        }
        try ModelMemory.check(
            job, models: [size], batch: batch, on: backend, hint: "Use a smaller --batch, --ch or --width.")
    }

    func weightSource() throws -> any WeightSource { try weightOptions.source(defaultModel: false) }

    /// The signature of the module's graph that this model is.
    var signature: String { model == .generator ? "generate" : "encode" }

    /// The module whose graph runs the model under `--engine`, or nil for the native model.
    func graphModule(backend: any Backend, precision: Precision) throws -> GraphModule? {
        try EngineSelection.choose(
            engineOptions.engine, signature: signature, weights: weightOptions.file(defaultModel: false),
            encoder: model == .revnet50x4 ? .revnet50x4 : .resnet50, backend: backend, precision: precision)
    }

    /// The weights to run the model with, made once per command: synthetic weights are calibrated for an encoder
    /// (`WeightOptions.forEncoder`), which costs a CPU forward.
    func modelWeights() throws -> any WeightSource {
        let source = try weightSource()
        return model == .generator ? source : try WeightOptions.forEncoder(source, try encoderConfig(source))
    }

    func describe() throws -> String {
        let source = try weightSource()
        let size =
            model == .generator ? "ch \(generatorConfig(source).ch)" : "width \(try encoderConfig(source).width)"
        return "\(model.rawValue) (\(size)), \(weightOptions.describe(defaultModel: false)),"
    }

    /// Runs the model with `source` (from `modelWeights()`) on `backend` and returns every tapped layer's output;
    /// with `module`, its graph's signature instead, and every output of it (sorted by key).
    func runLayers(
        on backend: any Backend, weights source: any WeightSource, module: GraphModule?, batch: Int, seed: UInt64
    ) throws -> [(String, HostTensor)] {
        if let module {
            let program = try GraphProgram(module: module, signature: signature, backend: backend)
            let input = try SignatureShapes.input(of: program, rank: model == .generator ? 2 : 4)
            let x =
                model == .generator
                ? try Latents.normal(count: batch, dimension: input[1], seed: seed)
                : try RandomImages.uniform(count: batch, resolution: input[1], seed: seed)
            let outputs = try program.run([program.signature.inputs[0].key: backend.upload(x)], noiseSeed: seed)
            return try outputs.keys.sorted().map { ($0, try backend.download(outputs[$0]!)) }
        }
        var layers: [(String, HostTensor)] = []
        let tap: LayerTap = { name, tensor in layers.append((name, try backend.download(tensor))) }
        switch model {
        case .generator:
            let config = generatorConfig(source)
            let generator = try Generator(config: config, weights: source, backend: backend)
            _ = try generator(
                backend.upload(Latents.normal(count: batch, dimension: config.zDim, seed: seed)), tap: tap)
        case .resnet50, .revnet50x4:
            let config = try encoderConfig(source)
            let encoder = try Encoder(config: config, weights: source, backend: backend)
            _ = try encoder(
                backend.upload(RandomImages.uniform(count: batch, resolution: config.resolution, seed: seed)),
                noiseSeed: seed, tap: tap)
        }
        return layers
    }
}

/// One model ready to run repeatedly at any batch size, for `bench`.
struct BenchRunner {
    let name: String
    /// Runs one end-to-end forward: upload inputs, compute, download outputs.
    let run: (_ batch: Int, _ seed: UInt64) throws -> Void
}

extension ModelOptions {
    /// The model with `source` (from `modelWeights()`) on `backend`, or `module`'s graph of it.
    func benchRunner(on backend: any Backend, weights source: any WeightSource, module: GraphModule?) throws
        -> BenchRunner
    {
        if let module, model == .generator {
            let generator = try GeneratorRunner.graph(module, backend: backend, upsampled: false)
            return BenchRunner(name: "generator (module graph)") { batch, seed in
                let z = try backend.upload(Latents.normal(count: batch, dimension: generator.zDimension, seed: seed))
                _ = try backend.download(generator.forward(z, false))
            }
        }
        if let module {
            let encoder = try EncoderRunner.graph(module, backend: backend)
            return BenchRunner(name: "\(model.rawValue) (module graph)") { batch, seed in
                let x = try RandomImages.uniform(count: batch, resolution: encoder.resolution, seed: seed)
                let output = try encoder.forward(backend.upload(x), seed)
                _ = try backend.download([output["z_sample"]!, output["bn_crelu_feat"]!])
            }
        }
        switch model {
        case .generator:
            let config = generatorConfig(source)
            let generator = try Generator(config: config, weights: source, backend: backend)
            return BenchRunner(name: "generator (ch \(config.ch))") { batch, seed in
                let z = try backend.upload(Latents.normal(count: batch, dimension: config.zDim, seed: seed))
                _ = try backend.download(generator(z).image)
            }
        case .resnet50, .revnet50x4:
            let config = try encoderConfig(source)
            let encoder = try Encoder(config: config, weights: source, backend: backend)
            return BenchRunner(name: "\(model.rawValue) (width \(config.width))") { batch, seed in
                let output = try encoder(
                    backend.upload(RandomImages.uniform(count: batch, resolution: config.resolution, seed: seed)),
                    noiseSeed: seed)
                _ = try backend.download([output.zSample, output.bnCreluFeat])
            }
        }
    }
}
