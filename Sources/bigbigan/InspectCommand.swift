import ArgumentParser
import BigBiGAN
import BigBiGANIO
import Foundation
import GraphEngine
import TensorFlowGraph
import Tensors

/// `bigbigan inspect PATH`: what a TF-Hub module's files say, without TensorFlow — meta graphs and their tags, each
/// signature's inputs and outputs, the ops behind every output (the resize behind `upsampled`, Softplus/Exp, random
/// sampling, batch-norm epsilons: the open questions of `docs/released-modules.md`), and the checkpoint's variables.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a TF-Hub module's signatures, the ops behind each output, and its variables.",
        discussion: """
            PATH is a module directory (saved_model.pb, tfhub_module.pb, variables/), a saved_model.pb file, a checkpoint
            prefix (…/variables/variables) or .index file, or a .safetensors file.
            Example: bigbigan inspect bigbigan-resnet50/ --prefix GenEncWrapper/Encoder/
            """
    )

    @Argument(help: "A TF-Hub module directory, saved_model.pb, checkpoint prefix, or .safetensors file.")
    var path: String

    @Option(help: "List only the variables whose names start with this (e.g. GenEncWrapper/Generator/).")
    var prefix = ""

    @Flag(help: "Do not list the checkpoint's variables.")
    var noVariables = false

    func run() throws {
        if path.hasSuffix(".safetensors") { return try printSafetensors() }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let hasSavedModel =
            path.hasSuffix(".pb")
            || (isDirectory.boolValue && FileManager.default.fileExists(atPath: path + "/saved_model.pb"))
        if hasSavedModel {
            let module = try TFHubModule.read(URL(fileURLWithPath: path))
            let model = module.savedModel
            print("Module \(path)")
            if let format = module.moduleFormat { print("  tfhub_module.pb: ModuleDef format \(format)") }
            print(
                "  saved_model.pb: schema version \(model.schemaVersion), \(count(model.metaGraphs.count, "meta graph"))"
            )
            for (k, metaGraph) in model.metaGraphs.enumerated() {
                print("")
                describe(metaGraph, number: k + 1, of: model.metaGraphs.count)
            }
            print("")
        }
        guard !noVariables else { return }
        let checkpoint = WeightFiles.checkpointPrefix(
            hasSavedModel && !isDirectory.boolValue ? URL(fileURLWithPath: path).deletingLastPathComponent().path : path
        )
        if let checkpoint {
            try printVariables(prefix: prefix, checkpoint: checkpoint)
        } else if hasSavedModel {
            print("Variables: no variables/variables.index beside the saved model")
        } else {
            throw CommandFailure(
                exists
                    ? "\(path): not a TF-Hub module, a checkpoint or a .safetensors file"
                    : "\(path): no such file, folder or checkpoint prefix")
        }
    }

    private func describe(_ metaGraph: TFMetaGraph, number: Int, of total: Int) {
        let tags = "{" + metaGraph.tags.joined(separator: ", ") + "}"
        let version = metaGraph.tensorflowVersion.isEmpty ? "" : " (TensorFlow \(metaGraph.tensorflowVersion))"
        print(
            "Meta graph \(number) of \(total): tags \(tags)\(version), \(count(metaGraph.graph.nodes.count, "node")), "
                + "\(count(metaGraph.graph.functionCount, "library function")), \(count(metaGraph.signatures.count, "signature"))"
        )
        for signature in metaGraph.signatures {
            print("  signature '\(signature.name)' (\(signature.methodName))")
            if metaGraph.tags.isEmpty { describeSupport(metaGraph.graph, signature) }
            let width = (signature.inputs + signature.outputs).map(\.key.count).max() ?? 0
            for input in signature.inputs { print("    input  \(Self.describe(input, width: width))") }
            for output in signature.outputs {
                print("    output \(Self.describe(output, width: width))")
                guard let trace = TFOutputTrace(graph: metaGraph.graph, inputs: signature.inputs, output: output) else {
                    print("      tensor \(output.tensorName) is not in the graph")
                    continue
                }
                describe(trace)
            }
        }
    }

    /// Which ops of the signature the graph engine cannot run (only for the inference graph, the one it runs).
    private func describeSupport(_ graph: TFGraph, _ signature: TFSignature) {
        do {
            let unsupported = try GraphSupport.unsupportedOps(in: graph, signature: signature)
            if unsupported.isEmpty {
                print("    graph engine: runs every op")
            }
            for op in unsupported {
                let nodes =
                    op.nodes.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (op.nodes.count > 3 ? ", …" : "")
                print("    graph engine cannot run: \(op.op) ×\(op.nodes.count) (\(nodes)): \(op.detail)")
            }
        } catch {
            print("    graph engine: \(error)")
        }
    }

    private func describe(_ trace: TFOutputTrace) {
        print(
            "      ops from the inputs (\(count(trace.pathNodeCount, "node")) of \(trace.ancestorCount) it depends on): "
                + (trace.pathOps.isEmpty ? "none" : trace.pathOps.joined(separator: ", ")))
        if let (resize, between) = trace.nearestResize {
            let flags = ["align_corners", "half_pixel_centers"].compactMap { key in
                resize.attrs[key].map { "\(key) \($0)" }
            }
            print(
                "      resize nearest the output: \(resize.op) '\(resize.name)', \(count(between, "op")) before the output"
                    + (flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"))
        } else {
            print("      resize nearest the output: none")
        }
        let epsilons = trace.epsilons.map { "\($0.source) = \($0.value) ×\($0.count)" }
        print("      batch-norm epsilons: " + (epsilons.isEmpty ? "none" : epsilons.joined(separator: "; ")))
        print(
            "      batch-norm variables read: \(trace.accumulatorVariables) accumulated_*, \(trace.counterVariables) accumulation_counter"
        )
        if trace.notable.isEmpty {
            print("      \(TFOutputTrace.notableOps.joined(separator: "/")): none")
        } else {
            for (op, nodes) in trace.notable {
                print(
                    "      \(op) ×\(nodes.count): " + nodes.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
                        + (nodes.count > 3 ? ", …" : ""))
            }
        }
    }

    private static func describe(_ info: TFTensorInfo, width: Int) -> String {
        let key = info.key.padding(toLength: max(width, info.key.count), withPad: " ", startingAt: 0)
        return
            "\(key)  \(info.tensorName.isEmpty ? "(sparse or composite)" : info.tensorName)  \(info.dtype) \(info.shape?.description ?? "<no shape>")"
    }

    private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Prints every checkpoint variable whose name starts with `prefix`: name, dtype, shape, bytes. Opening the
    /// bundle verifies every index block's checksum; tensor data is not read.
    func printVariables(prefix: String, checkpoint: URL) throws {
        let bundle = try TensorBundle(prefix: checkpoint)
        let rows = bundle.names.filter { $0.hasPrefix(prefix) }.compactMap { name in
            bundle.entries[name].map {
                (name: name, dtype: "\($0.dtype)", shape: Shape($0.shape).description, bytes: $0.size)
            }
        }
        printTable(title: "Variables (\(TensorBundle.indexURL(checkpoint).lastPathComponent)", rows: rows)
    }

    /// Prints every tensor of a `.safetensors` file and its metadata.
    func printSafetensors() throws {
        let file = try SafetensorsFile.read(URL(fileURLWithPath: path))
        for (key, value) in file.metadata.sorted(by: { $0.key < $1.key }) { print("metadata \(key): \(value)") }
        let rows = file.tensors.keys.sorted().filter { $0.hasPrefix(prefix) }.compactMap { name in
            file.tensors[name].map {
                (name: name, dtype: "float32", shape: $0.shape.description, bytes: $0.shape.count * 4)
            }
        }
        printTable(title: "Tensors (\(URL(fileURLWithPath: path).lastPathComponent)", rows: rows)
    }

    private func printTable(title: String, rows: [(name: String, dtype: String, shape: String, bytes: Int)]) {
        let total = rows.reduce(0) { $0 + $1.bytes }
        print(
            title + (prefix.isEmpty ? "" : ", names starting '\(prefix)'")
                + "): \(count(rows.count, "tensor")), \(total) bytes")
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let shapeWidth = rows.map(\.shape.count).max() ?? 0
        for row in rows {
            print(
                "  \(row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(row.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(row.shape.padding(toLength: shapeWidth, withPad: " ", startingAt: 0))  \(row.bytes) B")
        }
    }
}
