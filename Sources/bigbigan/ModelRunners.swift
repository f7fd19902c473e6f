import BigBiGAN
import GraphEngine
import TensorFlowGraph
import Tensors

/// A generator, native or a module's graph: z [N, zDimension] → images [N, R, R, 3] (or the 2R `upsampled` output).
struct GeneratorRunner {
    let backend: any Backend
    let zDimension: Int
    /// Side of the `default` output.
    let resolution: Int
    /// "native" or "graph", for messages.
    let engine: Engine
    let forward: (Tensor, _ upsampled: Bool) throws -> Tensor

    static func native(_ generator: Generator) -> GeneratorRunner {
        GeneratorRunner(
            backend: generator.backend, zDimension: generator.config.zDim, resolution: generator.config.resolution,
            engine: .native
        ) { z, upsampled in
            let output = try generator(z)
            return upsampled ? output.upsampled : output.image
        }
    }

    /// The generator `engine` chooses: native from `source` with `config`, or the module's `generate` graph, which
    /// must map [N, config.zDim] to config.resolution images.
    static func choose(
        _ engine: Engine, config: GeneratorConfig, source: any WeightSource, weights: String?, upsampled: Bool,
        backend: any Backend, precision: Precision
    ) throws -> GeneratorRunner {
        let module = try EngineSelection.choose(
            engine, signature: "generate", weights: weights, backend: backend, precision: precision)
        guard let module else { return .native(try Generator(config: config, weights: source, backend: backend)) }
        let runner = try graph(module, backend: backend, upsampled: upsampled)
        guard runner.zDimension == config.zDim, runner.resolution == config.resolution else {
            throw CommandFailure(
                "the module's generate signature maps [N,\(runner.zDimension)] to \(runner.resolution)×\(runner.resolution) "
                    + "images, not [N,\(config.zDim)] to \(config.resolution)×\(config.resolution)")
        }
        return runner
    }

    /// The `generate` signature of `module`, computing only the output asked for.
    static func graph(_ module: GraphModule, backend: any Backend, upsampled: Bool) throws -> GeneratorRunner {
        let key = upsampled ? "upsampled" : "default"
        let program = try GraphProgram(module: module, signature: "generate", outputs: [key], backend: backend)
        let z = try SignatureShapes.input(of: program, rank: 2)
        let image = try SignatureShapes.output("default", of: module.signature("generate"), rank: 4)
        return GeneratorRunner(backend: backend, zDimension: z[1], resolution: image[1], engine: .graph) { z, _ in
            try program.run([program.signature.inputs[0].key: z])[key]!
        }
    }
}

/// An encoder, native or a module's graph: x [N, R, R, 3] → the hub outputs (`EncoderRunner.outputNames`).
struct EncoderRunner {
    static let outputNames = ["z_mean", "z_stdev", "z_sample", "avepool_feat", "bn_crelu_feat"]

    let backend: any Backend
    let resolution: Int
    let engine: Engine
    /// x and the seed of the z_sample noise → every output of `outputNames`.
    let forward: (Tensor, UInt64) throws -> [String: Tensor]

    static func native(_ encoder: Encoder) -> EncoderRunner {
        EncoderRunner(backend: encoder.backend, resolution: encoder.config.resolution, engine: .native) { x, seed in
            let o = try encoder(x, noiseSeed: seed)
            return [
                "z_mean": o.zMean, "z_stdev": o.zStdev, "z_sample": o.zSample, "avepool_feat": o.avepoolFeat,
                "bn_crelu_feat": o.bnCreluFeat,
            ]
        }
    }

    /// The `encode` signature of `module`.
    static func graph(_ module: GraphModule, backend: any Backend) throws -> EncoderRunner {
        let program = try GraphProgram(module: module, signature: "encode", outputs: outputNames, backend: backend)
        let x = try SignatureShapes.input(of: program, rank: 4)
        return EncoderRunner(backend: backend, resolution: x[1], engine: .graph) { x, seed in
            try program.run([program.signature.inputs[0].key: x], noiseSeed: seed)
        }
    }
}

/// Static shapes a signature declares, checked where a command relies on them.
enum SignatureShapes {
    /// The only input's static shape, which must have `rank` with every axis but the first known.
    static func input(of program: GraphProgram, rank: Int) throws -> [Int] {
        guard program.signature.inputs.count == 1, let info = program.signature.inputs.first else {
            throw CommandFailure(
                "signature '\(program.signature.name)' has inputs \(program.signature.inputs.map(\.key)); expected one")
        }
        return try known(info.shape?.dims, rank: rank, what: "input '\(info.key)' of '\(program.signature.name)'")
    }

    static func output(_ key: String, of signature: TFSignature, rank: Int) throws -> [Int] {
        guard let info = signature.outputs.first(where: { $0.key == key }) else {
            throw CommandFailure("signature '\(signature.name)' has no output '\(key)'")
        }
        return try known(info.shape?.dims, rank: rank, what: "output '\(key)' of '\(signature.name)'")
    }

    static func known(_ dims: [Int64]?, rank: Int, what: String) throws -> [Int] {
        guard let dims, dims.count == rank, dims.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw CommandFailure(
                "\(what) must have a static shape of rank \(rank) (batch axis aside), got \(dims ?? [])")
        }
        return dims.map { Int($0) }
    }
}
