import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import GraphEngine
import Tensors

/// `bigbigan discriminate`: the discriminator's three scores for (x, z) pairs, through the module's own graph.
struct DiscriminateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discriminate",
        abstract: "Score (x, z) pairs with the module's discriminator: score_x, score_z, score_xz.",
        discussion: """
            Images are prepared as for `encode` (centre crop, 256×256) and then 2×2 average-pooled to 128×128, as the \
            TF-Hub colab does; a .npy [N,128,128,3] in [-1,1] is used as it is. Runs the module's graph (the native \
            models have no discriminator).
            Examples:
              bigbigan discriminate --weights bigbigan-resnet50/ --z z.npy photos/ --output scores.npz
              bigbigan discriminate --weights bigbigan-resnet50/ --z z.npy x.npy --output scores.safetensors
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var inputOptions: ImageInputOptions

    @Option(help: "The TF-Hub module folder (with saved_model.pb).") var weights: String
    @Option(help: "Latents: a float32 .npy [N,120], one row per image.") var z: String
    @Option(help: "Output: .safetensors or .npz with score_x, score_z, score_xz [N].") var output: String
    @Option(help: "Pairs per forward pass.") var batchSize = 16
    @Option(help: "Engine: only graph runs a discriminator.") var engine: Engine = .graph

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard output.hasSuffix(".safetensors") || output.hasSuffix(".npz") else {
            throw ValidationError("--output must end in .safetensors or .npz")
        }
        guard engine != .native else {
            throw ValidationError("--engine native: the native models have no discriminator")
        }
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
    }

    static let scoreNames = ["score_x", "score_z", "score_xz"]

    func run() throws {
        try OutputLocation.checkFile(
            output, option: "--output", inputs: inputOptions.inputs + [weights, z],
            scannedFolders: OutputLocation.folders(among: inputOptions.inputs))
        guard let folder = EngineSelection.moduleFolder(weights) else {
            throw CommandFailure("\(weights): not a module folder with saved_model.pb (discriminate runs its graph)")
        }
        let module = try GraphModule(url: folder)
        let signature = try module.signature("discriminate")
        let keys = Self.scoreNames.filter { key in signature.outputs.contains { $0.key == key } }
        guard keys.count == Self.scoreNames.count else {
            throw CommandFailure(
                "the discriminate signature has outputs \(signature.outputs.map(\.key)); expected \(Self.scoreNames)")
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
        let latents = try GenerateCommand.readLatents(z, dimension: zDimension)
        let fromArray = inputOptions.inputs.count == 1 && inputOptions.inputs[0].hasSuffix(".npy")
        // Image files are prepared at twice the discriminator's resolution, then average-pooled 2×2.
        var batches = try inputOptions.batches(
            resolution: fromArray ? resolution : 2 * resolution, batchSize: batchSize)
        guard batches.count == latents.shape[0] else {
            throw CommandFailure("\(batches.count) image(s) but \(latents.shape[0]) latent row(s) in \(z)")
        }
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let program = try GraphProgram(module: module, signature: "discriminate", outputs: keys, backend: backend)
        var scores: [String: [Float]] = [:]
        var names: [String] = []
        while let (batch, batchNames) = try batches.next() {
            let rows = names.count ..< names.count + batchNames.count
            names += batchNames
            var x = try backend.upload(batch)
            if !fromArray { x = try backend.pool2d(x, options: Pool2DOptions(kind: .average, window: 2, stride: 2)) }
            let result = try program.run([xKey: x, zKey: backend.upload(latents.rows(rows))])
            for key in keys {
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
            try SafetensorsFile.write(tensors, metadata: ["inputs": inputs, "weights": weights, "z": z], to: url)
        }
        Console.note("scored \(names.count) pair(s) on \(backend.name) → \(output): \(keys.joined(separator: ", "))")
    }
}
