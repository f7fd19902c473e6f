import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import LinearProbe
import Tensors

/// `bigbigan probe`: the BigBiGAN paper's linear-probe evaluation. Features of a training and a test set (encoded
/// from class folders, or read from features files) → a multinomial logistic-regression classifier trained on the
/// CPU (`LinearProbe`) → top-1 and top-5 accuracy on the test set.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear-probe evaluation: logistic regression on encoder features, top-1 and top-5 test accuracy.",
        discussion: """
            --train and --test each take a class-folder tree DIR/<class>/<image> (classes are the sub-folders sorted \
            by name, images sorted by name), which is encoded, or a features file (.safetensors or .npz) holding the \
            feature [N,D] and integer labels [N] under 'labels' (any integer or float dtype; --labels names another \
            tensor). A safetensors 'classes' metadata entry, a JSON list, names the labels 0, 1, …; with names on \
            both sides the test classes are matched to the training classes by name.
            Features are standardised with the training set's mean and deviation; the L2 strength is chosen on 10 % \
            of each training class held out, then the classifier is trained on all of the training set. Features \
            files are memory-mapped and read a mini-batch at a time; class folders are encoded into memory unless \
            --save-train-features / --save-test-features stream them to a .safetensors, which is then read in place \
            (and can be passed as --train / --test later).
            --json prints {"classes", "feature", "l2", "test", "top1", "top5", "train"}: accuracies as fractions, \
            top5 being top-min(5, classes).
            Examples:
              bigbigan probe --train train/ --test val/ --weights bigbigan-resnet50/
              bigbigan probe --train t/ --test v/ --save-train-features t.safetensors
              bigbigan probe --train t.safetensors --test v.safetensors --json
            """
    )

    enum FeatureChoice: String, ExpressibleByArgument, CaseIterable {
        case avepoolFeat = "avepool_feat"
        case bnCreluFeat = "bn_crelu_feat"
    }

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var engineOptions: EngineOptions

    @Option(
        help: "Training set: a class-folder tree DIR/<class>/<image>, or a .safetensors/.npz of features and labels.")
    var train: String
    @Option(help: "Test set: a class-folder tree or a features file, as --train.") var test: String
    @Option(
        help:
            "The representation probed: avepool_feat or bn_crelu_feat; a features file may name any [N,D] tensor in it (such as raw pixels)."
    )
    var feature = FeatureChoice.bnCreluFeat.rawValue
    @Option(help: "Name of the labels tensor in a features file.") var labels = "labels"
    @Option(help: "Write the encoded training set here (.safetensors: the feature, labels, class names).")
    var saveTrainFeatures: String?
    @Option(help: "Write the encoded test set here (.safetensors), as --save-train-features.")
    var saveTestFeatures: String?
    @Option(help: "L2 strengths to choose from, comma-separated; a single one is used without selection.")
    var l2 = "1e-6,1e-5,1e-4,1e-3,1e-2,1e-1,1"
    @Option(help: "Passes over the training set per classifier trained.") var epochs = 10
    @Option(help: "Seed of the held-out split and of the mini-batch order.") var seed: UInt64 = 0
    @Option(help: "Encoder for class folders: resnet50 or revnet50x4.") var encoder: EncodeCommand.EncoderChoice =
        .resnet50
    @Option(help: "Encoder width (default: read from the weights, else 256 / 1024 as released).") var width: Int?
    @Option(help: "Images per forward pass when encoding class folders.") var batchSize = 16
    @Flag(help: "Print the result as JSON.") var json = false

    /// The `--l2` strengths.
    var l2Strengths: [Double] {
        get throws {
            try l2.split(separator: ",", omittingEmptySubsequences: false).map { text in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                guard let value = Double(trimmed), value >= 0, value.isFinite else {
                    throw ValidationError("--l2 must list L2 strengths ≥ 0 such as 1e-4,1e-3; '\(trimmed)' is not one")
                }
                return value
            }
        }
    }

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        _ = try l2Strengths
        try OptionLimits.check(epochs, "--epochs", in: 1 ... 1000)
        try OptionLimits.check(batchSize, "--batch-size", in: OptionLimits.batch)
        try OptionLimits.checkWidth(width)
        for (path, option) in [
            (saveTrainFeatures, "--save-train-features"), (saveTestFeatures, "--save-test-features"),
        ] {
            guard let path else { continue }
            guard path.hasSuffix(".safetensors") else { throw ValidationError("\(option) must end in .safetensors") }
        }
        if let saveTrainFeatures, saveTrainFeatures == saveTestFeatures {
            throw ValidationError("--save-train-features and --save-test-features must be different files")
        }
        guard !labels.isEmpty else { throw ValidationError("--labels must name a tensor") }
        try weightOptions.checkSize("--width", width)
    }

    func run() throws {
        let trainingTree = try ClassFolders.isFolder(train) ? try ClassFolders(train) : nil
        let testTree = try ClassFolders.isFolder(test) ? try ClassFolders(test) : nil
        try checkOutputs(trainingTree: trainingTree, testTree: testTree)
        let trainingFile = try trainingTree == nil ? readFeatures(train) : nil
        let trainingNames = trainingTree?.classNames ?? trainingFile?.classNames
        if let testTree {
            // Test class folders are matched to the training classes before anything is encoded.
            _ = try LabeledFeatures.labels(
                testTree.labels, named: testTree.classNames, asIndicesOf: trainingNames, source: test)
        }
        let training: LabeledFeatures
        let unmatchedTest: LabeledFeatures
        if trainingTree != nil || testTree != nil {
            let encoding = try FolderEncoding(
                self,
                sets: [(trainingTree, saveTrainFeatures), (testTree, saveTestFeatures)].compactMap { tree, save in
                    tree.map { ($0, save) }
                })
            training = try trainingTree.map { try encoding.encode($0, saveTo: saveTrainFeatures) } ?? trainingFile!
            unmatchedTest = try testTree.map { try encoding.encode($0, saveTo: saveTestFeatures) } ?? readFeatures(test)
        } else {
            training = trainingFile!
            unmatchedTest = try readFeatures(test)
        }
        let testSet = try unmatchedTest.relabeled(forTrainingNames: trainingNames, source: test)

        var options = LogisticRegression.Options()
        options.l2Strengths = try l2Strengths
        options.epochs = epochs
        options.seed = seed
        Console.note(
            "training the probe on \(training.features.rowCount) × \(training.features.columnCount) \(feature) "
                + "features on the CPU")
        let classifier: LinearClassifier
        do {
            classifier = try LogisticRegression(options: options).fit(training.features, labels: training.labels) {
                phase, done, total in
                Console.progress(
                    done, of: total, phase == .selecting ? "steps choosing the L2 strength" : "steps of the final fit")
            }
        } catch let error as ProbeError {
            throw CommandFailure("\(train): \(error)")
        }
        for trial in classifier.trials {
            Console.note(
                "L2 \(trial.l2): held-out top-1 \(Self.percent(trial.top1)), cross-entropy \(String(format: "%.4f", trial.loss))"
            )
        }
        let accuracy: Accuracy
        do {
            accuracy = try classifier.evaluate(testSet.features, labels: testSet.labels, k: 5)
        } catch let error as ProbeError {
            throw CommandFailure("\(test): \(error)")
        }
        let report = ProbeReport(
            top1: accuracy.top1, top5: accuracy.topK, feature: feature, train: training.labels.count,
            test: accuracy.count, l2: classifier.l2, classes: classifier.classes.count)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(
                "top-1 \(Self.percent(report.top1)), top-\(accuracy.k) \(Self.percent(report.top5)) on \(report.test) "
                    + "test samples (\(report.feature); \(report.train) training samples, \(report.classes) classes, "
                    + "L2 \(report.l2))")
        }
    }

    /// A features file given as `--train` or `--test`.
    private func readFeatures(_ path: String) throws -> LabeledFeatures {
        try LabeledFeatures.read(path, feature: feature, labelsName: labels)
    }

    /// Refuses a `--save-*-features` for a set that is not encoded, and checks each save path before any work.
    private func checkOutputs(trainingTree: ClassFolders?, testTree: ClassFolders?) throws {
        let scanned = [trainingTree, testTree].compactMap { $0 }.flatMap { $0.folders.map(\.description) }
        let inputs = [train, test, weightOptions.file()].compactMap { $0 }
        for (path, option, tree) in [
            (saveTrainFeatures, "--save-train-features", trainingTree),
            (saveTestFeatures, "--save-test-features", testTree),
        ] {
            guard let path else { continue }
            guard tree != nil else {
                throw ValidationError("\(option) saves encoded class folders, but that set is a features file")
            }
            try OutputLocation.checkFile(path, option: option, inputs: inputs, scannedFolders: scanned)
        }
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.2f %%", 100 * fraction) }
}

/// `probe --json`.
struct ProbeReport: Encodable {
    let top1: Double
    let top5: Double
    let feature: String
    let train: Int
    let test: Int
    let l2: Double
    let classes: Int
}

/// The encoder that turns class folders into the probed feature, made once for both sets.
private struct FolderEncoding {
    let model: EncoderRunner
    let feature: String
    /// The feature's width.
    let columns: Int
    let resolution: Int
    let batchSize: Int
    /// Recorded in saved features files.
    let metadata: [String: String]

    /// Checks that the encoder and the features of the `sets` encoded into memory (those saved nowhere) fit, then
    /// loads the encoder.
    init(_ command: ProbeCommand, sets: [(tree: ClassFolders, save: String?)]) throws {
        guard let choice = ProbeCommand.FeatureChoice(rawValue: command.feature) else {
            throw ValidationError(
                "--feature must be avepool_feat or bn_crelu_feat to encode class folders, got '\(command.feature)'")
        }
        let source = try command.weightOptions.source()
        let config = try EncoderConfig.matching(
            command.encoder == .resnet50 ? .resnet50 : .revnet50x4, weights: source, width: command.width)
        try config.validate()
        feature = command.feature
        columns = choice == .avepoolFeat ? config.featureChannels : config.bnCreluChannels
        var inMemory = MemoryEstimate()
        for (tree, save) in sets where save == nil {
            inMemory.add(
                "the \(feature) of \(tree.root)'s \(tree.files.count) images (\(columns) values each)",
                count: MemoryEstimate.product(tree.files.count, columns), bytesEach: 4)
        }
        try inMemory.check(
            "probe", against: MachineMemory.physical,
            hint: "Pass --save-train-features / --save-test-features to stream the features to files read in place.")
        command.weightOptions.announce()
        let backend = try Backends.make(
            device: command.deviceOptions.choice, precision: command.precisionOptions.precision)
        try ModelMemory.check(
            "probe", models: [.encoder(config)], batch: min(command.batchSize, sets.map(\.tree.files.count).max() ?? 1),
            on: backend,
            hint: "Use a smaller --batch-size (or --width).")
        model = try EncodeCommand.runner(
            command.engineOptions.engine, config: config, source: source, weights: command.weightOptions,
            backend: backend, precision: command.precisionOptions.precision)
        resolution = config.resolution
        batchSize = command.batchSize
        metadata = [
            "feature": feature, "encoder": command.encoder.rawValue, "weights": command.weightOptions.describe(),
            "engine": model.engine.rawValue,
        ]
    }

    /// Encodes every image of `tree` (stopping at the first unreadable one): into memory, or streamed into a
    /// `.safetensors` at `path` (the feature, `labels` as float32 and the class names), which is then mapped.
    func encode(_ tree: ClassFolders, saveTo path: String?) throws -> LabeledFeatures {
        Console.note("encoding \(tree.files.count) images of \(tree.classNames.count) classes in \(tree.root)")
        var batches = ImageBatches(files: tree.files, resolution: resolution, batchSize: batchSize, onError: .stop)
        let count = tree.files.count
        func rows(of batch: [String: HostTensor]) throws -> HostTensor {
            guard let rows = batch[feature], rows.shape.rank == 2, rows.shape[1] == columns else {
                throw CommandFailure(
                    "the encoder's \(feature) is \(batch[feature]?.shape.description ?? "missing"), expected [N,\(columns)]"
                )
            }
            return rows
        }
        guard let path else {
            var values: [Float] = []
            values.reserveCapacity(count * columns)
            try EncodeCommand.encodeBatches(&batches, with: model, noiseSeed: 0) { batch, _ in
                values += try rows(of: batch).data
            }
            return LabeledFeatures(
                features: try FeatureArray(rowCount: count, columnCount: columns, values: values), labels: tree.labels,
                classNames: tree.classNames)
        }
        let names = String(decoding: try JSONEncoder().encode(tree.classNames), as: UTF8.self)
        try SafetensorsFile.write(
            layout: [(feature, [count, columns]), ("labels", [count])],
            metadata: metadata.merging([LabeledFeatures.classesMetadataKey: names]) { $1 },
            to: URL(fileURLWithPath: path)
        ) { writer in
            try EncodeCommand.encodeBatches(&batches, with: model, noiseSeed: 0) { batch, _ in
                try writer.append(rows(of: batch), to: feature)
            }
            try writer.append(try HostTensor(shape: [count], data: tree.labels.map(Float.init)), to: "labels")
        }
        Console.note("wrote \(path)")
        return try LabeledFeatures.read(path, feature: feature, labelsName: "labels")
    }
}
