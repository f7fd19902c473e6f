import BigBiGANIO
import FileAccess
import Foundation
import Tensors

/// The partial state of an `encode` run, beside its output, so that a run stopped at any moment (SIGKILL included)
/// can be resumed (`--resume`) without recomputing the batches it finished. For the output `DIR/OUT` it is the hidden
/// folder `DIR/.OUT.partial/`, holding `manifest.json` (the job's metadata: the options that shape the rows, the
/// input list's SHA-256 and size, the shard; a resumed run must match it) and one `batch-NNNNNNNNN.safetensors` per
/// completed batch (NNNNNNNNN the global batch number): its rows of every output and, in the metadata
/// `input_indices`, the inputs they belong to. Each file is written to a temporary, flushed to disk and renamed into
/// place (and the folder flushed), so a batch file is complete or absent. A run holds the folder under `flock`, so
/// two runs cannot write the same output's state. It is removed once the output is written.
final class PartialEncoding {
    /// The metadata key of a batch file listing its inputs (JSON list of indices into the full input list).
    static let inputIndicesKey = "input_indices"
    /// A manifest entry: the layout of this folder.
    static let formatKey = "partial_format"
    static let format = "1"

    let folder: URL
    /// The folder, open and locked.
    private let descriptor: Int32
    /// The job's manifest found in the folder, if any.
    private let earlierManifest: [String: String]?
    /// Whether the folder held batch files when opened: an earlier run's work, never removed before `adopt`.
    private let heldBatches: Bool
    /// Whether `adopt` made the state this job's.
    private var adopted = false
    /// Completed batches: global batch number → the inputs encoded in it (indices into the full input list).
    private(set) var completed: [Int: [Int]] = [:]

    /// `DIR/.OUT.partial` for the output `DIR/OUT`.
    static func folder(for output: String) -> URL {
        let url = URL(fileURLWithPath: output)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".partial")
    }

    /// Opens and locks the partial state of `output`, creating its folder if there is none. Without `resume`, state
    /// holding completed batches is refused (it is another run's work); with it, the state is kept for `adopt`.
    init(output: String, resume: Bool) throws {
        let folder = Self.folder(for: output)
        if mkdir(folder.path, 0o755) != 0, errno != EEXIST {
            throw CommandFailure("cannot create \(folder.path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot open \(folder.path): \(String(cString: strerror(errno)))")
        }
        var batchFiles: [(batch: Int, url: URL)] = []
        do {
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                throw CommandFailure(
                    "another bigbigan run is writing \(output) (its partial state \(folder.path)/ is locked)")
            }
            batchFiles = Self.batchFiles(in: folder)
            if !resume, !batchFiles.isEmpty {
                throw CommandFailure(
                    "\(folder.path)/ holds \(batchFiles.count) completed batch(es) of an interrupted run writing "
                        + "\(output): add --resume to the same command to continue it, or remove that folder (rm -r) "
                        + "to start over")
            }
            let manifest = folder.appendingPathComponent("manifest.json")
            earlierManifest =
                resume && FileManager.default.fileExists(atPath: manifest.path) ? try Self.readManifest(manifest) : nil
        } catch {
            close(descriptor)
            throw error
        }
        self.folder = folder
        self.descriptor = descriptor
        heldBatches = !batchFiles.isEmpty
    }

    deinit { close(descriptor) }

    /// Makes the state this job's. State left by a run of the same job (`manifest` equal to the one found) keeps its
    /// batch files among `batches` that are sound, each holding rows for inputs among `inputRange(batch)` (one that
    /// is not is discarded with a note); state of another job is refused, naming the differences. Otherwise the folder
    /// is emptied and `manifest` written.
    func adopt(manifest: [String: String], batches: Range<Int>, inputRange: (Int) -> Range<Int>) throws {
        let manifest = manifest.merging([Self.formatKey: Self.format]) { $1 }
        if let earlierManifest {
            guard earlierManifest == manifest else {
                let keys = Set(manifest.keys).union(earlierManifest.keys).sorted().filter {
                    manifest[$0] != earlierManifest[$0]
                }
                let differences = keys.map {
                    "\($0) \(Self.shown(earlierManifest[$0])) there, \(Self.shown(manifest[$0])) here"
                }
                throw CommandFailure(
                    "\(folder.path)/ holds the partial state of another job (\(differences.joined(separator: "; "))): "
                        + "run that job's command to finish it, or remove the folder (rm -r) to start this one over")
            }
            for (batch, url) in Self.batchFiles(in: folder) {
                do {
                    guard batches.contains(batch) else {
                        throw CommandFailure("batch \(batch) is not one of this run's (\(batches))")
                    }
                    completed[batch] = try Self.checkBatchFile(url, inputs: inputRange(batch))
                } catch {
                    Console.note("discarding \(url.path): \(error); it is computed again")
                    unlink(url.path)
                }
            }
            adopted = true
            return
        }
        for (_, url) in Self.batchFiles(in: folder) { unlink(url.path) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes = Array(try encoder.encode(manifest))
        try AtomicFile.write(to: folder.appendingPathComponent("manifest.json")) { try $0.append(bytes) }
        syncFolder()
        adopted = true
    }

    /// Records a completed batch: `features` (every output's rows, none when no input could be read) for `inputs`.
    func write(batch: Int, features: [String: HostTensor], inputs: [Int]) throws {
        let indices = String(decoding: try JSONEncoder().encode(inputs), as: UTF8.self)
        try SafetensorsFile.write(features, metadata: [Self.inputIndicesKey: indices], to: url(ofBatch: batch))
        syncFolder()
        completed[batch] = inputs
    }

    /// The rows of output `name` in completed `batch`, read where they lie (nil for a batch without rows).
    func rows(of name: String, inBatch batch: Int) throws -> MappedArray? {
        guard completed[batch]?.isEmpty == false else { return nil }
        let url = url(ofBatch: batch)
        let file = try MappedArrayFile.open(url)
        guard let array = file.arrays[name] else {
            throw CommandFailure("\(url.path) has no \(name); remove \(folder.path)/ and run again")
        }
        return array
    }

    /// Removes the state: the output is written.
    func remove() {
        do {
            try FileManager.default.removeItem(at: folder)
        } catch {
            Console.note("could not remove \(folder.path): \(error.localizedDescription)")
        }
    }

    /// After a failure: keeps the state if it holds completed batches, saying how to resume, and removes it
    /// otherwise. State this run did not adopt (another job's, or this job's before the model loaded) is left as it
    /// was found.
    func keepOrRemoveAfterFailure() {
        if !adopted, heldBatches { return }
        guard !completed.isEmpty else {
            remove()
            return
        }
        Console.note(
            "kept the \(completed.count) completed batch(es) in \(folder.path)/: run the same command with --resume to "
                + "continue, or remove that folder to start over")
    }

    private func url(ofBatch batch: Int) -> URL {
        folder.appendingPathComponent(String(format: "batch-%09d.safetensors", batch))
    }

    /// Makes the folder's entries (a rename just done) durable.
    private func syncFolder() { fsync(descriptor) }

    /// The batch files in `folder` by batch number.
    private static func batchFiles(in folder: URL) -> [(batch: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("batch-"), name.hasSuffix(".safetensors"),
                let batch = Int(name.dropFirst("batch-".count).dropLast(".safetensors".count)), batch >= 0
            else { return nil }
            return (batch, folder.appendingPathComponent(name))
        }.sorted { $0.batch < $1.batch }
    }

    /// The inputs a batch file holds rows for, after checking that they are increasing and among `inputs`, and that
    /// it holds each output of `EncoderRunner.outputNames` with one row per input (none when it has no inputs).
    private static func checkBatchFile(_ url: URL, inputs: Range<Int>) throws -> [Int] {
        let file = try MappedArrayFile.open(url)
        guard let text = file.metadata[inputIndicesKey],
            let indices = try? JSONDecoder().decode([Int].self, from: Data(text.utf8))
        else { throw CommandFailure("no \(inputIndicesKey) list") }
        guard indices.allSatisfy(inputs.contains), zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw CommandFailure("its inputs \(indices) are not increasing within \(inputs)")
        }
        let expected = indices.isEmpty ? [] : EncoderRunner.outputNames.sorted()
        guard file.arrays.keys.sorted() == expected,
            file.arrays.values.allSatisfy({ $0.shape.count == 2 && $0.shape[0] == indices.count })
        else {
            throw CommandFailure("its tensors are not \(expected) with \(indices.count) row(s) each")
        }
        return indices
    }

    private static func readManifest(_ url: URL) throws -> [String: String] {
        guard let data = try? Data(contentsOf: url),
            let manifest = try? JSONDecoder().decode([String: String].self, from: data)
        else {
            throw CommandFailure(
                "\(url.path) cannot be read as a manifest of partial state; remove \(url.deletingLastPathComponent().path)/ to start over"
            )
        }
        return manifest
    }

    private static func shown(_ value: String?) -> String { value.map { "'\($0)'" } ?? "absent" }
}
