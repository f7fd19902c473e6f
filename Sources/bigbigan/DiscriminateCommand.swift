import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import GraphEngine
import Tensors

/// `bigbigan discriminate`: the discriminator's three scores for (x, z) pairs, natively or through a module's graph.
struct DiscriminateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discriminate",
        abstract: "Score (x, z) pairs with the discriminator: score_x, score_z, score_xz.",
        discussion: """
            Images are prepared as for `encode`; where the encoder takes twice the discriminator's side (the released \
            modules: 256 and 128) they are then 2×2 average-pooled, as the TF-Hub colab does. A .npy [N,R,R,3] in \
            [-1,1] at the discriminator's side R is used as it is. The default model's discriminator (32×32) and any \
            .safetensors with one run natively; a TF-Hub module folder runs its own graph (--engine native tries the \
            hand-written discriminator on it, whose structure for the release is unconfirmed).
            Examples:
              bigbigan discriminate --z z.npy shirts/ --output scores.npz
              bigbigan discriminate --weights bigbigan-resnet50/ --z z.npy photos/ --output scores.npz
              bigbigan discriminate --weights bigbigan-resnet50/ --z z.npy x.npy --output scores.safetensors
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var inputOptions: ImageInputOptions

    @Option(help: "Latents: a float32 .npy [N,zDim], one row per image.") var z: String
    @Option(help: "Output: .safetensors or .npz with score_x, score_z, score_xz [N].") var output: String
    @Option(help: "Pairs per forward pass.") var batchSize = 16
    @Option(help: "Engine: auto (a module folder's graph, else native), native or graph.") var engine: Engine = .auto

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard output.hasSuffix(".safetensors") || output.hasSuffix(".npz") else {
            throw ValidationError("--output must end in .safetensors or .npz")
        }
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
    }

    static let scoreNames = ["score_x", "score_z", "score_xz"]

    func run() throws {
        try OutputLocation.checkFile(
            output, option: "--output", inputs: inputOptions.inputs + [weightOptions.file(), z].compactMap { $0 },
            scannedFolders: OutputLocation.folders(among: inputOptions.inputs))
        let folder = EngineSelection.moduleFolder(weightOptions.weights)
        if engine == .graph, folder == nil {
            throw CommandFailure(
                "--engine graph runs a module's own graph: --weights must be a module folder with saved_model.pb")
        }
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let model =
            if let folder, engine != .native {
                try DiscriminatorRunner.graph(GraphModule(url: folder), backend: backend)
            } else {
                try nativeRunner(backend: backend)
            }
        let latents = try GenerateCommand.readLatents(z, dimension: model.zDimension)
        let fromArray = inputOptions.inputs.count == 1 && inputOptions.inputs[0].hasSuffix(".npy")
        var batches = try inputOptions.batches(
            resolution: fromArray ? model.resolution : model.imageResolution, batchSize: batchSize)
        guard batches.count == latents.shape[0] else {
            throw CommandFailure("\(batches.count) image(s) but \(latents.shape[0]) latent row(s) in \(z)")
        }
        var scores: [String: [Float]] = [:]
        var names: [String] = []
        while let (batch, batchNames) = try batches.next() {
            let rows = names.count ..< names.count + batchNames.count
            names += batchNames
            var x = try backend.upload(batch)
            if !fromArray, model.imageResolution != model.resolution {
                x = try backend.pool2d(x, options: Pool2DOptions(kind: .average, window: 2, stride: 2))
            }
            let result = try model.forward(x, backend.upload(latents.rows(rows)))
            for key in Self.scoreNames {
                let host = try backend.download(result[key]!)
                guard host.shape.count == rows.count, host.data.allSatisfy(\.isFinite) else {
                    throw CommandFailure(
                        "\(key) for samples \(rows) is \(host.shape)\(host.data.allSatisfy(\.isFinite) ? "" : " with NaN or infinite values"); expected one finite score per sample"
                    )
                }
                scores[key, default: []] += host.data
            }
            Console.progress(batches.position, of: batches.count, "pairs scored")
        }
        guard !names.isEmpty else { throw CommandFailure("none of the inputs could be scored") }
        let tensors = try scores.mapValues { try HostTensor(shape: [$0.count], data: $0) }
        let url = URL(fileURLWithPath: output)
        if output.hasSuffix(".npz") {
            try NPZFile.write(tensors, to: url)
        } else {
            let inputs = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
            try SafetensorsFile.write(
                tensors, metadata: ["inputs": inputs, "weights": weightOptions.describe(), "z": z], to: url)
        }
        Console.note(
            "scored \(names.count) pair(s) on \(backend.name) (\(model.engine.rawValue) engine) → \(output): "
                + Self.scoreNames.joined(separator: ", "))
    }

    /// The hand-written discriminator with the weights' structure (`DiscriminatorConfig.matching`; the default
    /// model's, else the release's layout as far as the names tell), images prepared at the encoder's side.
    private func nativeRunner(backend: any Backend) throws -> DiscriminatorRunner {
        let source = try weightOptions.source()
        let base: DiscriminatorConfig = DefaultModel.holds(source) ? DefaultModel.discriminator : .released
        let config = DiscriminatorConfig.matching(source, base: base)
        try config.validate()
        let encoder = try EncoderConfig.matching(.resnet50, weights: source)
        weightOptions.announce()
        try ModelMemory.check(
            "discriminate", models: [.discriminator(config)], batch: batchSize, on: backend,
            hint: "Use a smaller --batch-size.")
        let discriminator = try Discriminator(config: config, weights: source, backend: backend)
        return DiscriminatorRunner(
            resolution: config.resolution, zDimension: config.zDim,
            imageResolution: encoder.resolution == 2 * config.resolution ? encoder.resolution : config.resolution,
            engine: .native
        ) { x, z in
            let scores = try discriminator(x: x, z: z)
            return ["score_x": scores.scoreX, "score_z": scores.scoreZ, "score_xz": scores.scoreXZ]
        }
    }
}

/// A discriminator, native or a module's graph: (x [N, R, R, 3], z [N, zDimension]) → `score_x`, `score_z`,
/// `score_xz` [N].
struct DiscriminatorRunner {
    let resolution: Int
    let zDimension: Int
    /// The side image files are prepared at: `resolution`, or twice it when they are then 2×2 average-pooled.
    let imageResolution: Int
    let engine: Engine
    let forward: (Tensor, Tensor) throws -> [String: Tensor]

    /// The `discriminate` signature of `module`; image files are prepared at twice its side and pooled, as the
    /// TF-Hub colab does.
    static func graph(_ module: GraphModule, backend: any Backend) throws -> DiscriminatorRunner {
        let signature = try module.signature("discriminate")
        let keys = DiscriminateCommand.scoreNames
        guard keys.allSatisfy({ key in signature.outputs.contains { $0.key == key } }) else {
            throw CommandFailure(
                "the discriminate signature has outputs \(signature.outputs.map(\.key)); expected \(keys)")
        }
        let zKey = signature.inputs.first { $0.shape?.dims.count == 2 }?.key
        let xKey = signature.inputs.first { $0.shape?.dims.count == 4 }?.key
        guard let zKey, let xKey, signature.inputs.count == 2 else {
            throw CommandFailure(
                "the discriminate signature has inputs \(signature.inputs.map(\.key)); expected x and z")
        }
        let resolution = try SignatureShapes.known(
            signature.inputs.first { $0.key == xKey }?.shape?.dims, rank: 4, what: "input '\(xKey)'")[1]
        let zDimension = try SignatureShapes.known(
            signature.inputs.first { $0.key == zKey }?.shape?.dims, rank: 2, what: "input '\(zKey)'")[1]
        let program = try GraphProgram(module: module, signature: "discriminate", outputs: keys, backend: backend)
        return DiscriminatorRunner(
            resolution: resolution, zDimension: zDimension, imageResolution: 2 * resolution, engine: .graph
        ) { x, z in try program.run([xKey: x, zKey: z]) }
    }
}
