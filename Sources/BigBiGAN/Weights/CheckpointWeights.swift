import BigBiGANIO
import Foundation
import Tensors

/// How the released checkpoint's stored variables become effective weights (`docs/released-modules.md`, Checkpoint
/// conventions), in one place.
public enum CheckpointConventions {
    /// Suffix of each trainable variable's exponential-moving-average copy (decay 0.9999), which `generate` uses
    /// (inferred: `docs/released-modules.md`, EMA copies).
    public static let emaSuffix = "/ema_0.9999"
    /// ε added to both norms of the spectral-normalisation power step (BigGAN's `SN_eps`, inferred:
    /// `docs/released-modules.md`, Spectral normalisation).
    public static let spectralNormEpsilon: Float = 1e-4
    /// The stored singular-vector estimate beside a kernel `<layer>/w` ([1, Cout]); σ is one power step from it.
    public static let singularVector = "u0"
    /// Other variables loading a requested name consumes or may skip: `u1` (meaning unknown, unused by every port)
    /// and the batch-norm `accumulation_counter`. The stored `accumulated_mean` / `accumulated_var` are used as they
    /// are, not divided by the counter, as the PyTorch ports do (inferred); the counter is never read.
    /// See `docs/released-modules.md`, Spectral normalisation and Batch-norm statistics.
    static let ignoredSingularVector = "u1"
    static let accumulationCounter = "accumulation_counter"
}

/// A weight that a file-backed source cannot provide: absent, or stored with another shape.
public struct WeightLookupError: Error, CustomStringConvertible {
    /// What is wrong, without the name (which `WeightLoadError` lists beside it).
    public let detail: String
    public var description: String { detail }
}

/// Effective weights from a TensorFlow checkpoint (a TF-Hub module's `variables/variables`).
///
/// For a requested name `X` the EMA copy `X/ema_0.9999` is read when present, else `X`. A kernel `<layer>/w` with a
/// stored `<layer>/u0` is spectrally normalised: `w / σ`, σ from one power step off `u0` (`SpectralNorm`, ε =
/// `CheckpointConventions.spectralNormEpsilon`). Batch-norm statistics are returned as stored. Shapes are strict, except
/// that a scalar may be stored as [] or [1]. A model whose weights follow these conventions only in part is refused
/// (`conventionProblems`).
public final class CheckpointWeights: WeightSource {
    /// The checkpoint, for direct access to stored (raw) variables.
    public let bundle: TensorBundle

    public init(bundle: TensorBundle) { self.bundle = bundle }

    /// Opens the bundle at `prefix` (e.g. `module/variables/variables`).
    public convenience init(prefix: URL) throws {
        self.init(bundle: try TensorBundle(prefix: prefix))
    }

    public var description: String { "checkpoint \(bundle.prefix.path)" }

    /// The stored variable a request for `name` reads: its EMA copy when present, else `name` itself; nil if neither exists.
    public func storedName(for name: String) -> String? {
        let ema = name + CheckpointConventions.emaSuffix
        if bundle.entries[ema] != nil { return ema }
        return bundle.entries[name] != nil ? name : nil
    }

    public func storedShape(_ name: String) -> Shape? {
        storedName(for: name).flatMap { bundle.entries[$0] }.map { Shape($0.shape) }
    }

    /// Stored variable names below `scope/`, in byte order.
    public func names(under scope: String) -> [String] {
        bundle.names.filter { $0.hasPrefix(scope + "/") }
    }

    public func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        guard let stored = storedName(for: name) else {
            throw WeightLookupError(detail: "not in the checkpoint (nor its \(CheckpointConventions.emaSuffix) copy)")
        }
        var tensor = try bundle.float32(stored)
        if shape.rank == 0, tensor.shape.rank <= 1, tensor.shape.count == 1 { tensor.shape = [] }
        guard tensor.shape == shape else {
            throw WeightLookupError(detail: "stored as \(stored) with shape \(tensor.shape), expected \(shape)")
        }
        // Only kernels are spectrally normalised: the class embedding `linear/w` is not (confirmed:
        // `docs/released-modules.md`, Generator layers).
        if case .kernel = role, let layer = Self.layer(ofKernel: name) {
            let uName = layer + "/" + CheckpointConventions.singularVector
            if bundle.entries[uName] != nil {
                let u = try bundle.float32(uName)
                guard
                    u.shape.dims.filter({ $0 != 1 }) == [shape.channels] || (shape.channels == 1 && u.shape.count == 1)
                else {
                    throw WeightLookupError(
                        detail: "\(uName) has shape \(u.shape); expected \(shape.channels) values (Cout of \(shape))")
                }
                tensor = try SpectralNorm.normalized(
                    weight: tensor, u: u.data, epsilon: CheckpointConventions.spectralNormEpsilon)
            }
        }
        return tensor
    }

    public func unusedVariables(scope: String, requested: Set<String>) -> [String] {
        var consumed: Set<String> = []
        for name in requested {
            consumed.insert(name)
            consumed.insert(name + CheckpointConventions.emaSuffix)
            if let layer = Self.layer(ofKernel: name) {
                for vector in [CheckpointConventions.singularVector, CheckpointConventions.ignoredSingularVector] {
                    consumed.insert(layer + "/" + vector)
                    consumed.insert(layer + "/" + vector + CheckpointConventions.emaSuffix)
                }
            }
            if let slash = name.lastIndex(of: "/"), name[name.index(after: slash)...].hasPrefix("accumulated_") {
                consumed.insert(name[..<slash] + "/" + CheckpointConventions.accumulationCounter)
            }
        }
        return names(under: scope).filter { !consumed.contains($0) }
    }

    /// Refuses weights that mix conventions within a model's scope, which would load without error and give wrong
    /// images: if any trainable variable the model asked for has an EMA copy, every one must; if any kernel it spectrally
    /// normalises (a `.kernel` named `<layer>/w`) has a `u0`, every one must. Each missing copy or vector is a problem;
    /// names stored under neither form are left to `load`, which reports them.
    public func conventionProblems(requested: [String: WeightRole]) -> [WeightProblem] {
        let stored = requested.filter { storedName(for: $0.key) != nil }
        let trainable = stored.filter { $0.value.isTrainable }.keys.sorted()
        let kernels = stored.compactMap { name, role -> String? in
            guard case .kernel = role else { return nil }
            return Self.layer(ofKernel: name)
        }.sorted()
        let emaProblems = problemsIfPartial(
            trainable.map { ($0 + CheckpointConventions.emaSuffix, $0) },
            what: "trainable variables have their EMA copy"
        ) { "\($0) would load its raw value among EMA weights" }
        let vectorProblems = problemsIfPartial(
            kernels.map { ($0 + "/" + CheckpointConventions.singularVector, $0 + "/w") },
            what: "spectrally normalised kernels have their \(CheckpointConventions.singularVector)"
        ) {
            "\($0) would load without spectral normalisation"
        }
        return emaProblems + vectorProblems
    }

    /// A problem for each `expected` name the bundle lacks, when it holds some of them but not all; `consequence`
    /// says what would happen to the `owner` of a missing one.
    private func problemsIfPartial(
        _ expected: [(name: String, owner: String)], what: String,
        consequence: (String) -> String
    ) -> [WeightProblem] {
        let missing = expected.filter { bundle.entries[$0.name] == nil }
        guard missing.count < expected.count else { return [] }
        return missing.map {
            WeightProblem(
                name: $0.name,
                problem: "missing, though \(expected.count - missing.count) of the model's \(expected.count) \(what): "
                    + consequence($0.owner))
        }
    }

    /// `<layer>` of a kernel name `<layer>/w`.
    static func layer(ofKernel name: String) -> String? {
        name.hasSuffix("/w") ? String(name.dropLast(2)) : nil
    }
}
