import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan encode`: images → z_mean, z_stdev, z_sample, avepool_feat, bn_crelu_feat, streamed: decode threads
/// prepare the next batches while the model computes, each completed batch is saved in the partial state
/// (`PartialEncoding`), and the output is assembled from it at the end.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode images into BigBiGAN latents and representation features.",
        discussion: """
            Writes z_mean, z_stdev, z_sample [N,120], avepool_feat [N,F] and bn_crelu_feat [N,2F] (F: 256 for the \
            default model, 2048 / 8192 for the released ResNet-50 / RevNet-50×4) \
            under those names (with --classes also labels [N]); safetensors metadata lists the inputs in order \
            ('inputs') and the job ('input_count', 'input_list_sha256', the options; 'shard' with --shard; \
            'classes' with --classes).
            Inputs are taken in order: arguments as given (a folder's images sorted by their path in it, as bytes), \
            then the --list entries. Batch b (inputs b·B ..< (b+1)·B of that order) uses noise seed --noise-seed + b.
            --shard I/N encodes batches ⌊I·K/N⌋ ..< ⌊(I+1)·K/N⌋ of the K batches into a .safetensors that \
            `bigbigan merge` joins with the other shards'. A run stopped at any moment keeps its completed batches in \
            the hidden folder .OUT.partial/ beside the output; the same command with --resume continues it.
            Examples:
              bigbigan encode photos/ --output features.safetensors
              bigbigan encode a.jpg b.png --encoder revnet50x4 --output features.npz
              bigbigan encode batch.npy --output features.safetensors     # float32 [N,32,32,3] in [-1,1]
              bigbigan encode photos/ --weights bigbigan-resnet50/ --engine graph --output features.npz
              bigbigan encode train/ --classes --output train.safetensors   # then: probe --train train.safetensors
              bigbigan encode --list files.txt --shard 3/8 --resume --output part-3.safetensors
            """
    )

    enum EncoderChoice: String, ExpressibleByArgument { case resnet50, revnet50x4 }

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var inputOptions: EncodeInputOptions

    @Option(help: "Encoder: resnet50 or revnet50x4.") var encoder: EncoderChoice = .resnet50
    @Option(help: "Encoder width (default: read from the weights, else 256 / 1024 as released).") var width: Int?
    @Option(help: "Output: .safetensors or .npz.") var output: String
    @Option(help: "Images per forward pass.") var batchSize = 16
    @Option(help: "Seed of the noise ε in z_sample = z_mean + z_stdev·ε (batch b uses this + b).")
    var noiseSeed: UInt64 = 0
    @Option(help: "Threads decoding, cropping and resizing images (default: the cores this process may use).")
    var jobs: Int?
    @Option(help: "Encode only shard I of N of the batches (I/N, 0 ≤ I < N); join the shards with `bigbigan merge`.")
    var shard: String?
    @Flag(help: "Continue the interrupted run of the same command from the batches it completed.")
    var resume = false

    /// Decode threads per run at most.
    static let jobLimit = 1 ... 1024

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        guard output.hasSuffix(".safetensors") || output.hasSuffix(".npz") else {
            throw ValidationError("--output must end in .safetensors or .npz")
        }
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
        try OptionLimits.check(jobs, "--jobs", in: Self.jobLimit)
        try OptionLimits.checkWidth(width)
        if let shard {
            _ = try Shard(parsing: shard)
            guard output.hasSuffix(".safetensors") else {
                throw ValidationError(
                    "--shard needs a .safetensors --output: its metadata lets `bigbigan merge` check the parts (merge "
                        + "can write an .npz)")
            }
        }
        try weightOptions.checkSize("--width", width)
    }

    var architecture: EncoderArchitecture { encoder == .resnet50 ? .resnet50 : .revnet50x4 }

    func run() throws {
        let weightPaths = [weightOptions.file()].compactMap { $0 }
        try OutputLocation.checkFile(
            output, option: "--output", inputs: inputOptions.paths + weightPaths,
            scannedFolders: inputOptions.scannedFolders)
        let shard = try self.shard.map(Shard.init(parsing:))
        let source = try weightOptions.source()
        let config = try EncoderConfig.matching(architecture, weights: source, width: width)
        try config.validate()
        let inputs = try inputOptions.resolve(resolution: config.resolution)
        if inputOptions.list != nil {
            // List entries may name folders too: the output must not lie in one either.
            try OutputLocation.checkFile(
                output, option: "--output", inputs: inputOptions.paths + weightPaths, scannedFolders: inputs.folders)
        }
        guard inputs.count > 0 else {
            throw CommandFailure("no images to encode in \(inputOptions.paths.joined(separator: ", "))")
        }
        let batchCount = (inputs.count + batchSize - 1) / batchSize
        let batches = shard?.batches(of: batchCount) ?? 0 ..< batchCount
        if let shard, batches.isEmpty {
            throw CommandFailure(
                "--shard \(shard): the \(inputs.count) inputs make \(batchCount) batch(es) of \(batchSize), too few "
                    + "for \(shard.count) shards; use at most \(batchCount) shards or a smaller --batch-size")
        }
        let state = try PartialEncoding(output: output, resume: resume)
        do {
            weightOptions.announce()
            let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
            try ModelMemory.check(
                "encode", models: [.encoder(config)], batch: min(batchSize, inputs.count), on: backend,
                hint: "Use a smaller --batch-size (or --width).")
            let model = try Self.runner(
                engineOptions.engine, config: config, source: source, weights: weightOptions, backend: backend,
                precision: precisionOptions.precision)
            var metadata = [
                "encoder": encoder.rawValue, "width": "\(config.width)", "weights": weightOptions.describe(),
                "engine": model.engine.rawValue, "precision": precisionOptions.precision.rawValue,
                "batch_size": "\(batchSize)", "noise_seed": "\(noiseSeed)",
                EncodeMetadata.inputCount: "\(inputs.count)", EncodeMetadata.inputListHash: inputs.listHash,
            ]
            if let shard { metadata[EncodeMetadata.shard] = shard.description }
            if let classes = inputs.classes {
                metadata[EncodeMetadata.classes] = String(
                    decoding: try JSONEncoder().encode(classes.names), as: UTF8.self)
            }
            try state.adopt(manifest: metadata, batches: batches, inputRange: inputRange)
            if !state.completed.isEmpty {
                Console.note("resuming: \(state.completed.count) of the \(batches.count) batches are done")
            }
            let started = Date()
            let encoded = try encode(inputs, batches: batches, state: state, model: model)
            try writeOutput(inputs, batches: batches, state: state, metadata: metadata)
            state.remove()
            let seconds = Date().timeIntervalSince(started)
            Console.note(
                "encoded \(encoded) input(s) in \(String(format: "%.1f", seconds)) s "
                    + "(\(String(format: "%.1f", Double(encoded) / max(seconds, 1e-9))) images/s) on \(backend.name) "
                    + "(\(model.engine.rawValue) engine) → \(output)")
        } catch {
            state.keepOrRemoveAfterFailure()
            throw error
        }
    }

    /// The inputs of global batch `batch` (which may run past the last input).
    func inputRange(_ batch: Int) -> Range<Int> {
        batch * batchSize ..< (batch + 1) * batchSize
    }

    /// The inputs of `batches` among `count`.
    func inputRange(of batches: Range<Int>, among count: Int) -> Range<Int> {
        min(count, batches.lowerBound * batchSize) ..< min(count, batches.upperBound * batchSize)
    }

    /// Encodes the `batches` that `state` lacks, in order, saving each in `state`; returns the inputs this run
    /// processed (read or skipped).
    private func encode(_ inputs: EncodeInputs, batches: Range<Int>, state: PartialEncoding, model: EncoderRunner)
        throws -> Int
    {
        let todo = batches.filter { state.completed[$0] == nil }
        let ranges = todo.map { inputRange($0).clamped(to: 0 ..< inputs.count) }
        let total = inputRange(of: batches, among: inputs.count).count
        var done = total - ranges.reduce(0) { $0 + $1.count }
        var progress = Console.RatedProgress(total: total, alreadyDone: done, unit: "inputs")
        func encodeBatch(_ position: Int, images: HostTensor?, decoded: [Int]) throws {
            let batch = todo[position]
            let features =
                try images.map {
                    try Self.features(
                        of: $0, model: model, noiseSeed: noiseSeed &+ UInt64(batch),
                        samples: "inputs \(ranges[position])")
                } ?? [:]
            try state.write(batch: batch, features: features, inputs: decoded)
            done += ranges[position].count
            progress.update(done)
        }
        switch inputs.source {
        case .tensor(let tensor):
            let perSample = tensor.shape.perSample
            for (position, range) in ranges.enumerated() {
                let images = try HostTensor(
                    shape: Shape([range.count] + Array(tensor.shape.dims.dropFirst())),
                    data: Array(tensor.data[range.lowerBound * perSample ..< range.upperBound * perSample]))
                try encodeBatch(position, images: images, decoded: Array(range))
            }
        case .files(let files):
            let workers = DecodeWorkers(
                files: files, batches: ranges, resolution: model.resolution, batchSize: batchSize,
                threads: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            defer { workers.stop() }
            let clock = ContinuousClock()
            var waited = Duration.zero
            while true {
                let asked = clock.now
                guard let batch = try workers.next() else { break }
                waited += clock.now - asked
                for (input, error) in batch.failures {
                    let origin = inputs.origin(of: input).map { " (\($0))" } ?? ""
                    if inputOptions.onError == .stop { throw CommandFailure("\(error)\(origin)") }
                    Console.note("skipping \(inputs.names[input])\(origin): \(error)")
                }
                try encodeBatch(batch.position, images: batch.images, decoded: batch.decoded)
            }
            let cost = workers.cost
            if cost.images > 0 {
                let perImage = cost.cpuSeconds / Double(cost.images)
                Console.note(
                    String(
                        format: "decoding took %.1f ms of processor time per image (%.0f images/s per core); the model "
                            + "waited %.1f s for decoded images", perImage * 1e3, 1 / max(perImage, 1e-9),
                        Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18))
            }
        }
        return ranges.reduce(0) { $0 + $1.count }
    }

    /// Writes the output from the batch files of `state`: every output's rows in batch order (and, with classes, the
    /// labels), never holding more than a chunk of rows.
    private func writeOutput(
        _ inputs: EncodeInputs, batches: Range<Int>, state: PartialEncoding, metadata: [String: String]
    ) throws {
        let encoded = batches.flatMap { state.completed[$0] ?? [] }
        guard let sample = batches.first(where: { state.completed[$0]?.isEmpty == false }) else {
            throw CommandFailure(
                "none of the \(inputRange(of: batches, among: inputs.count).count) inputs could be encoded")
        }
        var layout: [(name: String, shape: Shape)] = []
        for name in EncoderRunner.outputNames {
            guard let array = try state.rows(of: name, inBatch: sample) else { continue }
            layout.append((name, Shape([encoded.count] + array.shape.dropFirst())))
        }
        if inputs.classes != nil { layout.append(("labels", [encoded.count])) }
        layout.sort { $0.name < $1.name }
        var fileMetadata = metadata
        fileMetadata[EncodeMetadata.inputs] = String(
            decoding: try JSONEncoder().encode(encoded.map { inputs.names[$0] }), as: UTF8.self)
        try FeatureFiles.write(to: output, layout: layout, metadata: fileMetadata) { name, append in
            if name == "labels", let labels = inputs.classes?.labels {
                for batch in batches {
                    let rows = state.completed[batch] ?? []
                    guard !rows.isEmpty else { continue }
                    try append(HostTensor(shape: [rows.count], data: rows.map { Float(labels[$0]) }))
                }
                return
            }
            let rowShape = Array(layout.first { $0.name == name }!.shape.dims.dropFirst())
            for batch in batches {
                guard let array = try state.rows(of: name, inBatch: batch) else { continue }
                guard Array(array.shape.dropFirst()) == rowShape else {
                    throw CommandFailure(
                        "\(state.folder.path): batch \(batch)'s \(name) is \(array.shape), not [N] + \(rowShape); remove "
                            + "the folder and run again")
                }
                try FeatureFiles.copy(array, to: append)
            }
        }
    }

    /// The encoder `engine` chooses for `config`'s architecture: native, or the module's `encode` graph, which must
    /// take the images at `config.resolution`.
    static func runner(
        _ engine: Engine, config: EncoderConfig, source: any WeightSource, weights: WeightOptions,
        backend: any Backend, precision: Precision
    ) throws -> EncoderRunner {
        let module = try EngineSelection.choose(
            engine, signature: "encode", weights: weights.file(), encoder: config.architecture, backend: backend,
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
        var encoded = 0
        var batchIndex: UInt64 = 0
        while let (batch, batchNames) = try batches.next() {
            let features = try features(
                of: batch, model: model, noiseSeed: noiseSeed &+ batchIndex,
                samples: "samples \(encoded)..<\(encoded + batchNames.count)")
            try consume(features, batchNames)
            encoded += batchNames.count
            batchIndex += 1
            Console.progress(batches.position, of: batches.count, "inputs encoded")
        }
    }

    /// Runs the encoder on `images` [n, R, R, 3] with `noiseSeed`: every output of `EncoderRunner.outputNames`,
    /// checked finite (`samples` says which samples, for the message when not).
    static func features(of images: HostTensor, model: EncoderRunner, noiseSeed: UInt64, samples: String) throws
        -> [String: HostTensor]
    {
        let backend = model.backend
        let out = try model.forward(backend.upload(images), noiseSeed)
        var features: [String: HostTensor] = [:]
        for name in EncoderRunner.outputNames {
            guard let tensor = out[name] else { throw CommandFailure("the encoder returned no \(name)") }
            let host = try backend.download(tensor)
            guard host.data.allSatisfy(\.isFinite) else {
                throw CommandFailure(
                    "the encoder produced NaN or infinite \(name) for \(samples); check the weights")
            }
            features[name] = host
        }
        return features
    }
}
