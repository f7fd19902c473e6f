import ArgumentParser
import BigBiGAN
import Foundation
import Tensors

/// Which model to run, at which size, with which weights.
struct ModelOptions: ParsableArguments {
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case generator
    }

    @Option(help: "Model: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model = .generator

    @Option(help: "Generator channel multiplier (96 in the release); smaller values run a reduced model.")
    var ch = 96

    @Option(help: "Weights file; without it, deterministic synthetic weights are used.")
    var weights: String?

    @Option(help: "Seed of the synthetic weights.")
    var weightSeed: UInt64 = 0

    var generatorConfig: GeneratorConfig { GeneratorConfig(ch: ch) }

    func weightSource() throws -> any WeightSource {
        if let weights { throw ValidationError("reading weights from \(weights) is not supported yet") }
        return SyntheticWeights(seed: weightSeed)
    }

    func describe() -> String {
        let source = weights.map { "weights \($0)" } ?? "SYNTHETIC weights (seed \(weightSeed)), not the released model"
        return "\(model.rawValue) (ch \(ch)), \(source),"
    }

    /// Runs the model on `backend` and returns every tapped layer's output.
    func runLayers(on backend: any Backend, batch: Int, seed: UInt64) throws -> [(String, HostTensor)] {
        var layers: [(String, HostTensor)] = []
        switch model {
        case .generator:
            let generator = try Generator(config: generatorConfig, weights: weightSource(), backend: backend)
            let z = try backend.upload(Latents.normal(count: batch, dimension: generatorConfig.zDim, seed: seed))
            _ = try generator(z) { name, tensor in layers.append((name, try backend.download(tensor))) }
        }
        return layers
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
        }
    }
}
