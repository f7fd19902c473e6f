import ArgumentParser
import BigBiGAN
import Foundation
import Tensors

/// Which model to run, at which size, with which weights.
struct ModelOptions: ParsableArguments {
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case generator, resnet50, revnet50x4
    }

    @Option(help: "Model: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model = .generator

    @Option(help: "Generator channel multiplier (96 in the release); smaller values run a reduced generator.")
    var ch = 96

    @Option(help: "Encoder width (256 for resnet50, 1024 for revnet50x4 in the release); smaller values run a reduced encoder.")
    var width: Int?

    @OptionGroup var weightOptions: WeightOptions

    var generatorConfig: GeneratorConfig { GeneratorConfig(ch: ch) }

    var encoderConfig: EncoderConfig {
        var config: EncoderConfig = model == .revnet50x4 ? .revnet50x4 : .resnet50
        if let width { config.width = width }
        return config
    }

    func weightSource() throws -> any WeightSource { try weightOptions.source() }

    func describe() -> String {
        let size = model == .generator ? "ch \(ch)" : "width \(encoderConfig.width)"
        return "\(model.rawValue) (\(size)), \(weightOptions.describe()),"
    }

    /// Runs the model on `backend` and returns every tapped layer's output.
    func runLayers(on backend: any Backend, batch: Int, seed: UInt64) throws -> [(String, HostTensor)] {
        var layers: [(String, HostTensor)] = []
        let tap: LayerTap = { name, tensor in layers.append((name, try backend.download(tensor))) }
        switch model {
        case .generator:
            let generator = try Generator(config: generatorConfig, weights: weightSource(), backend: backend)
            _ = try generator(backend.upload(Latents.normal(count: batch, dimension: generatorConfig.zDim, seed: seed)), tap: tap)
        case .resnet50, .revnet50x4:
            let encoder = try Encoder(config: encoderConfig, weights: weightSource(), backend: backend)
            _ = try encoder(backend.upload(randomImages(batch, seed: seed)), noiseSeed: seed, tap: tap)
        }
        return layers
    }

    /// Uniform values in [-1, 1], shaped like the encoder's input.
    func randomImages(_ batch: Int, seed: UInt64) throws -> HostTensor {
        let r = encoderConfig.resolution
        var state = seed &+ 0x1234_5678
        let values = (0 ..< batch * r * r * 3).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
        return try HostTensor(shape: [batch, r, r, 3], data: values)
    }
}

/// One model ready to run repeatedly at any batch size, for `bench`.
struct BenchRunner {
    let name: String
    let flopsPerSample: Double
    /// Runs one end-to-end forward: upload inputs, compute, download outputs.
    let run: (_ batch: Int, _ seed: UInt64) throws -> Void
}

extension ModelOptions {
    func benchRunner(on backend: any Backend) throws -> BenchRunner {
        switch model {
        case .generator:
            let generator = try Generator(config: generatorConfig, weights: weightSource(), backend: backend)
            return BenchRunner(name: "generator (ch \(ch))", flopsPerSample: generator.flopsPerSample) { batch, seed in
                let z = try backend.upload(Latents.normal(count: batch, dimension: generatorConfig.zDim, seed: seed))
                _ = try backend.download(generator(z).image)
            }
        case .resnet50, .revnet50x4:
            let encoder = try Encoder(config: encoderConfig, weights: weightSource(), backend: backend)
            return BenchRunner(name: "\(model.rawValue) (width \(encoderConfig.width))", flopsPerSample: encoder.flopsPerSample) { batch, seed in
                let output = try encoder(backend.upload(randomImages(batch, seed: seed)), noiseSeed: seed)
                _ = try backend.download(output.zSample)
                _ = try backend.download(output.bnCreluFeat)
            }
        }
    }
}
