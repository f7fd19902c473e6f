import ArgumentParser
import BigBiGANIO
import Foundation
import Tensors

/// `bigbigan merge`: the shards of one `encode --shard I/N` job → one output, as a run without shards writes it.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the outputs of `encode --shard I/N` into one file, rows in input order.",
        discussion: """
            The parts may be given in any order; they must be the shards 0 … N−1 of one job, each once: the same \
            input list (input_list_sha256, input_count), the same options (encoder, width, weights, engine, \
            precision, batch_size, noise_seed) and classes, and the same tensors. OUT (.safetensors or .npz) is \
            written a chunk of rows at a time, and equals, byte for byte, what `encode` without --shard writes on the \
            same device. Nothing is written when the parts do not belong together.
            Example:
              bigbigan merge features.safetensors part-*.safetensors
            """
    )

    @Argument(help: "The merged output: .safetensors or .npz.") var output: String
    @Argument(help: "The shards: .safetensors outputs of encode --shard.") var parts: [String]

    func validate() throws {
        guard output.hasSuffix(".safetensors") || output.hasSuffix(".npz") else {
            throw ValidationError("the output must end in .safetensors or .npz")
        }
        guard !parts.isEmpty else { throw ValidationError("give the shards to merge after the output") }
        if let other = parts.first(where: { !$0.hasSuffix(".safetensors") }) {
            throw ValidationError("\(other): shards are the .safetensors outputs of encode --shard")
        }
    }

    /// One shard: its file, its place, its metadata and its inputs.
    private struct Part {
        let path: String
        let shard: Shard
        let file: MappedArrayFile
        let inputs: [String]
    }

    func run() throws {
        try OutputLocation.checkFile(output, option: "the output", inputs: parts)
        let shards = try parts.map(Self.open).sorted { $0.shard.index < $1.shard.index }
        let first = shards[0]
        let agreed =
            [EncodeMetadata.inputCount, EncodeMetadata.inputListHash, EncodeMetadata.classes]
            + EncodeMetadata.options
        for part in shards.dropFirst() {
            let differences = agreed.filter { first.file.metadata[$0] != part.file.metadata[$0] }.map {
                "\($0) \(Self.shown(first.file.metadata[$0])) in \(first.path), \(Self.shown(part.file.metadata[$0])) "
                    + "in \(part.path)"
            }
            if part.shard.count != first.shard.count {
                throw CommandFailure(
                    "\(first.path) is shard \(first.shard) and \(part.path) is shard \(part.shard): they cut the list "
                        + "into different numbers of shards")
            }
            guard differences.isEmpty else {
                throw CommandFailure("the parts belong to different jobs: \(differences.joined(separator: "; "))")
            }
            let names = { (file: MappedArrayFile) in file.arrays.mapValues { Array($0.shape.dropFirst()) } }
            guard names(part.file) == names(first.file) else {
                throw CommandFailure(
                    "\(part.path) holds \(Self.describe(part.file)), \(first.path) holds \(Self.describe(first.file))")
            }
        }
        for (previous, part) in zip(shards, shards.dropFirst()) where previous.shard == part.shard {
            throw CommandFailure("shard \(part.shard) is given twice: \(previous.path) and \(part.path)")
        }
        let missing = Set(0 ..< first.shard.count).subtracting(shards.map(\.shard.index)).sorted()
        guard missing.isEmpty else {
            let listed = missing.prefix(10).map { "\($0)/\(first.shard.count)" }.joined(separator: ", ")
            throw CommandFailure(
                "\(missing.count) of the \(first.shard.count) shards missing: \(listed)"
                    + (missing.count > 10 ? ", …" : ""))
        }

        let inputs = shards.flatMap(\.inputs)
        var metadata = first.file.metadata
        metadata[EncodeMetadata.shard] = nil
        metadata[EncodeMetadata.inputs] = String(decoding: try JSONEncoder().encode(inputs), as: UTF8.self)
        let layout = first.file.arrays.map { name, array in
            (name: name, shape: Shape([inputs.count] + array.shape.dropFirst()))
        }.sorted { $0.name < $1.name }
        try FeatureFiles.write(to: output, layout: layout, metadata: metadata) { name, append in
            for part in shards { try FeatureFiles.copy(part.file.arrays[name]!, to: append) }
        }
        Console.note("merged \(shards.count) shards, \(inputs.count) rows → \(output)")
    }

    /// Opens a shard and checks it is one: `shard` metadata, the job's keys, and rows for each of its inputs.
    private static func open(_ path: String) throws -> Part {
        let file = try MappedArrayFile.open(URL(fileURLWithPath: path))
        guard let shardText = file.metadata[EncodeMetadata.shard] else {
            throw CommandFailure(
                "\(path) is not a shard (no '\(EncodeMetadata.shard)' metadata): merge joins the outputs of encode --shard I/N"
            )
        }
        let shard: Shard
        do {
            shard = try Shard(parsing: shardText)
        } catch {
            throw CommandFailure("\(path): its '\(EncodeMetadata.shard)' metadata '\(shardText)' is not I/N")
        }
        guard let inputsText = file.metadata[EncodeMetadata.inputs],
            let inputs = try? JSONDecoder().decode([String].self, from: Data(inputsText.utf8))
        else { throw CommandFailure("\(path) has no '\(EncodeMetadata.inputs)' list") }
        for key in [EncodeMetadata.inputCount, EncodeMetadata.inputListHash] + EncodeMetadata.options
        where file.metadata[key] == nil {
            throw CommandFailure("\(path) has no '\(key)' metadata: it was not written by encode --shard")
        }
        guard !file.arrays.isEmpty,
            file.arrays.values.allSatisfy({ $0.elementType == .float32 && $0.shape.first == inputs.count })
        else {
            throw CommandFailure(
                "\(path) must hold float32 tensors of one row per input (\(inputs.count)): it holds \(describe(file))")
        }
        return Part(path: path, shard: shard, file: file, inputs: inputs)
    }

    private static func describe(_ file: MappedArrayFile) -> String {
        file.arrays.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.shape)" }.joined(separator: ", ")
    }

    private static func shown(_ value: String?) -> String { value.map { "'\($0)'" } ?? "absent" }
}
