import ArgumentParser

/// `--shard I/N`: part I of N of a run's batches, so that N processes (an array job) encode one input list.
struct Shard: Equatable, CustomStringConvertible {
    let index: Int
    let count: Int

    /// Shards one input list may be cut into.
    static let counts = 1 ... 1_000_000

    /// Parses `I/N` with 0 ≤ I < N, N in `counts`.
    init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), Self.counts.contains(count),
            (0 ..< count).contains(index)
        else {
            throw ValidationError(
                "--shard must be I/N with 0 ≤ I < N ≤ \(Self.counts.upperBound), such as 0/4, got '\(text)'")
        }
        self.index = index
        self.count = count
    }

    var description: String { "\(index)/\(count)" }

    /// The shard's batches among `batchCount`: the contiguous range [⌊I·K/N⌋, ⌊(I+1)·K/N⌋) of the K batches, so the
    /// shards together take each batch once, in order, and each batch is the same as in a run without shards.
    func batches(of batchCount: Int) -> Range<Int> {
        index * batchCount / count ..< (index + 1) * batchCount / count
    }
}

/// The keys of `encode`'s output metadata (safetensors `__metadata__`), shared with `merge`.
enum EncodeMetadata {
    /// JSON list of the names of the inputs whose rows the file holds, in order.
    static let inputs = "inputs"
    /// "I/N", only in the output of a `--shard` run.
    static let shard = "shard"
    /// The number of inputs in the whole list (all shards; skipped ones included).
    static let inputCount = "input_count"
    /// `EncodeInputs.listHash` of the whole list.
    static let inputListHash = "input_list_sha256"
    /// With `--classes`: the class names (JSON list) that `labels` index; the probe reads the same key.
    static let classes = LabeledFeatures.classesMetadataKey
    /// Everything else that must agree between the shards of one job: the options that shape the numbers.
    static let options = ["encoder", "width", "weights", "engine", "precision", "batch_size", "noise_seed"]
}
