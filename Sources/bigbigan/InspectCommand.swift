import ArgumentParser
import BigBiGANIO
import Foundation

/// `bigbigan inspect PATH`: what a TF-Hub module's files say, without TensorFlow — meta graphs and their tags,
/// each signature's inputs and outputs, the ops behind every output (the resize behind `upsampled`, Softplus/Exp,
/// random sampling, batch-norm epsilons: spec §5.6 / §7), and the checkpoint's variables.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a TF-Hub module's signatures, the ops behind each output, and its variables.",
        discussion: "PATH is a module directory (saved_model.pb, tfhub_module.pb, variables/) or a saved_model.pb file."
    )

    @Argument(help: "A TF-Hub module directory or a saved_model.pb file.")
    var path: String

    @Option(help: "List only the variables whose names start with this (e.g. GenEncWrapper/Generator/).")
    var prefix = ""

    @Flag(help: "Do not list the checkpoint's variables.")
    var noVariables = false

    func run() throws {
        let module = try TFHubModule.read(URL(fileURLWithPath: path))
        let model = module.savedModel
        print("Module \(path)")
        if let format = module.moduleFormat { print("  tfhub_module.pb: ModuleDef format \(format)") }
        print("  saved_model.pb: schema version \(model.schemaVersion), \(count(model.metaGraphs.count, "meta graph"))")
        for (k, metaGraph) in model.metaGraphs.enumerated() {
            print("")
            describe(metaGraph, number: k + 1, of: model.metaGraphs.count)
        }
        guard !noVariables else { return }
        print("")
        try printVariables(prefix: prefix, index: module.variablesPrefix.appendingPathExtension("index"))
    }

    private func describe(_ metaGraph: TFMetaGraph, number: Int, of total: Int) {
        let tags = "{" + metaGraph.tags.joined(separator: ", ") + "}"
        let version = metaGraph.tensorflowVersion.isEmpty ? "" : " (TensorFlow \(metaGraph.tensorflowVersion))"
        print("Meta graph \(number) of \(total): tags \(tags)\(version), \(count(metaGraph.graph.nodes.count, "node")), "
            + "\(count(metaGraph.graph.functionCount, "library function")), \(count(metaGraph.signatures.count, "signature"))")
        for signature in metaGraph.signatures {
            print("  signature '\(signature.name)' (\(signature.methodName))")
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

    private func describe(_ trace: TFOutputTrace) {
        print("      ops from the inputs (\(count(trace.pathNodeCount, "node")) of \(trace.ancestorCount) it depends on): "
            + (trace.pathOps.isEmpty ? "none" : trace.pathOps.joined(separator: ", ")))
        if let (resize, between) = trace.nearestResize {
            let flags = ["align_corners", "half_pixel_centers"].compactMap { key in resize.attrs[key].map { "\(key) \($0)" } }
            print("      resize nearest the output: \(resize.op) '\(resize.name)', \(count(between, "op")) before the output"
                + (flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"))
        } else {
            print("      resize nearest the output: none")
        }
        let epsilons = trace.epsilons.map { "\($0.source) = \($0.value) ×\($0.count)" }
        print("      batch-norm epsilons: " + (epsilons.isEmpty ? "none" : epsilons.joined(separator: "; ")))
        print("      batch-norm variables read: \(trace.accumulatorVariables) accumulated_*, \(trace.counterVariables) accumulation_counter")
        if trace.notable.isEmpty {
            print("      \(TFOutputTrace.notableOps.joined(separator: "/")): none")
        } else {
            for (op, nodes) in trace.notable {
                print("      \(op) ×\(nodes.count): " + nodes.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (nodes.count > 3 ? ", …" : ""))
            }
        }
    }

    private static func describe(_ info: TFTensorInfo, width: Int) -> String {
        let key = info.key.padding(toLength: max(width, info.key.count), withPad: " ", startingAt: 0)
        return "\(key)  \(info.tensorName.isEmpty ? "(sparse or composite)" : info.tensorName)  \(info.dtype) \(info.shape?.description ?? "<no shape>")"
    }

    private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    // MARK: - INTERIM variables listing ---------------------------------------------------------------------------
    // Reads only the checkpoint's `.index` (a LevelDB-style table of BundleEntryProto, spec §5.3): names, dtypes,
    // shapes, byte sizes. No data, no CRC checks. Replace the body with the `TensorBundle` reader
    // (Sources/BigBiGANIO/TensorBundle/) once it is merged; keep the output format.

    /// Prints every checkpoint variable whose name starts with `prefix`: name, dtype, shape, bytes.
    func printVariables(prefix: String, index url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            print("Variables: no \(url.lastPathComponent) at \(url.deletingLastPathComponent().path)")
            return
        }
        let bytes = [UInt8](try Data(contentsOf: url))
        func corrupt(_ detail: String) -> IndexError { IndexError(description: "\(url.path): not a valid checkpoint index: \(detail)") }
        func varint(_ b: ArraySlice<UInt8>, _ i: inout Int) throws -> UInt64 {
            do { return try ProtoMessage.varint(b, &i) } catch { throw corrupt(error.detail) }
        }
        func handle(_ b: ArraySlice<UInt8>, _ i: inout Int) throws -> Range<Int> {
            let offset = try varint(b, &i), size = try varint(b, &i)
            guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset, Int(offset + size) + 5 <= bytes.count else {
                throw corrupt("block [\(offset), +\(size)) outside the file")
            }
            return Int(offset) ..< Int(offset + size)
        }
        /// (key, value) of a block: prefix-compressed keys, then the restart array and its count.
        func entries(_ block: Range<Int>) throws -> [(key: [UInt8], value: ArraySlice<UInt8>)] {
            guard block.count >= 4 else { throw corrupt("block of \(block.count) bytes") }
            let restarts = (0 ..< 4).reduce(0) { $0 | Int(bytes[block.upperBound - 4 + $1]) << (8 * $1) }
            guard restarts <= (block.count - 4) / 4 else { throw corrupt("\(restarts) restart points in a \(block.count)-byte block") }
            let b = bytes[block.lowerBound ..< block.upperBound - 4 * (restarts + 1)]
            var result: [(key: [UInt8], value: ArraySlice<UInt8>)] = [], key: [UInt8] = [], i = b.startIndex
            while i < b.endIndex {
                let shared = try varint(b, &i), unshared = try varint(b, &i), length = try varint(b, &i)
                guard shared <= UInt64(key.count), unshared <= UInt64(b.endIndex - i), length <= UInt64(b.endIndex - i) - unshared else {
                    throw corrupt("entry at byte \(i) overruns its block")
                }
                key = Array(key.prefix(Int(shared))) + b[i ..< i + Int(unshared)]
                i += Int(unshared)
                result.append((key, b[i ..< i + Int(length)]))
                i += Int(length)
            }
            return result
        }
        let magic: [UInt8] = [0x57, 0xFB, 0x80, 0x8B, 0x24, 0x75, 0x47, 0xDB]
        guard bytes.count >= 48, Array(bytes.suffix(8)) == magic else { throw corrupt("no table footer magic") }
        var i = bytes.count - 48
        _ = try handle(bytes[...], &i)                                     // metaindex: empty in TF tables
        var rows: [(name: String, dtype: String, shape: String, bytes: Int64)] = []
        for (_, blockHandle) in try entries(handle(bytes[...], &i)) {
            var j = blockHandle.startIndex
            for (key, value) in try entries(handle(blockHandle, &j)) where !key.isEmpty {   // "" is the BundleHeaderProto
                let name = String(decoding: key, as: UTF8.self)
                guard name.hasPrefix(prefix) else { continue }
                do {
                    let entry = try ProtoMessage(value)
                    let dtype = TFDataType(try entry.int64(1) ?? 0)
                    let shape = try entry.message(2).map(TFTensorShape.init) ?? TFTensorShape(dims: [])
                    rows.append((name, dtype.description, shape.description, try entry.int64(5) ?? 0))
                } catch {
                    throw corrupt("entry '\(name)': \(error)")
                }
            }
        }
        let total = rows.reduce(Int64(0)) { $0 + $1.bytes }
        print("Variables (\(url.lastPathComponent)" + (prefix.isEmpty ? "" : ", names starting '\(prefix)'") + "): \(count(rows.count, "tensor")), \(total) bytes")
        let nameWidth = rows.map(\.name.count).max() ?? 0, shapeWidth = rows.map(\.shape.count).max() ?? 0
        for row in rows {
            print("  \(row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(row.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                + "\(row.shape.padding(toLength: shapeWidth, withPad: " ", startingAt: 0))  \(row.bytes) B")
        }
    }
}

/// A damaged checkpoint index (printed as is, without the usage text that `ValidationError` adds).
private struct IndexError: Error, CustomStringConvertible {
    let description: String
}
