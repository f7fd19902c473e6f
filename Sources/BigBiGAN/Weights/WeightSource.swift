import Tensors

/// What a weight is, so sources that synthesise weights know how to draw it and loaders can check it.
public enum WeightRole: Sendable, Equatable {
    /// A convolution kernel [kh,kw,Cin,Cout] or linear weight [in,out]. Synthetic: N(0, gain²/fanIn),
    /// fanIn = elements / Cout (He initialisation for gain √2).
    case kernel(gain: Float)
    /// An additive bias. Synthetic: 0.
    case bias
    /// Stored batch-norm mean. Synthetic: 0.
    case normMean
    /// Stored batch-norm variance. Synthetic: 1, or the mean square of the layer's input measured by
    /// `SyntheticWeights.calibrated(for:)`.
    case normVariance
    /// Batch-norm γ. Synthetic: 1.
    case normScale
    /// Batch-norm β. Synthetic: 0.
    case normOffset
    /// A learned embedding row. Synthetic: N(0, 1).
    case embedding
    /// A learned scalar such as the attention γ. Synthetic: the value given.
    case scalar(Float)

    /// Whether training updates the weight, so that a checkpoint keeps an EMA copy of it: all but batch-norm statistics.
    var isTrainable: Bool {
        switch self {
        case .normMean, .normVariance: false
        default: true
        }
    }
}

/// Provides effective (inference-ready) weights by canonical checkpoint name, e.g.
/// `GenEncWrapper/Generator/GBlock_1/conv0/w`. Loaders of real checkpoints choose EMA copies and apply
/// spectral normalisation before returning; synthetic sources draw values from `role`.
public protocol WeightSource {
    /// A short description for messages ("synthetic (seed 0)", a file path…).
    var description: String { get }
    /// The tensor named `name`, which must have `shape`.
    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor
    /// Names stored under `scope/` that a model which asked for `requested` did not use, leaving out what loading a
    /// requested name consumes implicitly (EMA copies, spectral-norm vectors, BN counters). Shown when a load fails,
    /// so a mismatch between a model's names and a file's names is visible from both sides. Empty by default.
    func unusedVariables(scope: String, requested: Set<String>) -> [String]
    /// Problems that no single load can see, in the weights a model loaded as a whole (`requested`: every full name
    /// it asked for, with its role), such as a checkpoint that stores some of them by other conventions than the
    /// rest. Empty by default.
    func conventionProblems(requested: [String: WeightRole]) -> [WeightProblem]
    /// The stored shape of `name`, when the source can tell without loading it (nil by default). Models use it
    /// to size themselves to the weights, e.g. the generator's channel multiplier.
    func storedShape(_ name: String) -> Shape?
    /// What the file says of the model beyond its tensors (a safetensors file's `__metadata__`), such as
    /// `WeightMetadata.encoderResolution`. Empty by default.
    var metadata: [String: String] { get }
}

extension WeightSource {
    public func unusedVariables(scope: String, requested: Set<String>) -> [String] { [] }
    public func conventionProblems(requested: [String: WeightRole]) -> [WeightProblem] { [] }
    public func storedShape(_ name: String) -> Shape? { nil }
    public var metadata: [String: String] { [:] }
}

/// Keys of `WeightSource.metadata` that models read.
public enum WeightMetadata {
    /// The side of the images the encoder was trained on, in decimal: the one size the weights cannot tell.
    public static let encoderResolution = "bigbigan.encoder.resolution"
    /// The name of a model trained by this project, e.g. `DefaultModel.name`.
    public static let model = "bigbigan.model"
}

/// A source told which backend tensor holds each weight it provided, so that it can recognise them in later ops
/// (`BatchNormCalibration` finds the batch norms' stored variances this way).
protocol UploadObserver {
    func uploaded(_ name: String, role: WeightRole, as tensor: Tensor)
}

/// One weight that could not be provided.
public struct WeightProblem: Sendable, CustomStringConvertible {
    public let name: String
    public let problem: String
    public var description: String { "\(name): \(problem)" }
}

/// A model's weights failed to load: every missing or mismatched tensor, listed at once, and the file's variables
/// under the model's scope that the model did not ask for (often the same weights under other names).
public struct WeightLoadError: Error, CustomStringConvertible {
    public let source: String
    public let problems: [WeightProblem]
    /// The model's checkpoint scope, e.g. `GenEncWrapper/Generator`.
    public let scope: String
    /// Stored variables under `scope` that were not requested (`WeightSource.unusedVariables`).
    public let unused: [String]

    public var description: String {
        var text =
            "\(problems.count) weight problem(s) in \(source):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        if !unused.isEmpty {
            text +=
                "\n\(unused.count) stored variable(s) under \(scope)/ that the model did not ask for:\n"
                + unused.map { "  \($0)" }.joined(separator: "\n")
        }
        return text
    }
}

/// Loads a model's weights onto a backend, collecting every problem so the user sees them all together.
final class WeightBinder {
    let source: any WeightSource
    let backend: any Backend
    let scope: String
    private let problems: ProblemList

    init(source: any WeightSource, backend: any Backend, scope: String) {
        self.source = source
        self.backend = backend
        self.scope = scope
        self.problems = ProblemList()
    }

    private init(parent: WeightBinder, scope: String) {
        source = parent.source
        backend = parent.backend
        self.scope = scope
        problems = parent.problems
    }

    /// A binder whose names are prefixed with `child/`.
    func scoped(_ child: String) -> WeightBinder { WeightBinder(parent: self, scope: scope + "/" + child) }

    /// The host values of `name` (relative to the scope), or zeros after recording a problem.
    func host(_ name: String, _ shape: Shape, _ role: WeightRole) -> HostTensor {
        let full = scope + "/" + name
        problems.requested[full] = role
        do {
            let tensor = try source.load(full, shape: shape, role: role)
            guard tensor.shape == shape else {
                problems.items.append(WeightProblem(name: full, problem: "shape \(tensor.shape), expected \(shape)"))
                return HostTensor(zeros: shape)
            }
            if let bad = Self.firstNonFinite(tensor.data) {
                problems.items.append(
                    WeightProblem(name: full, problem: "non-finite value \(tensor.data[bad]) at element \(bad)"))
            }
            return tensor
        } catch {
            problems.items.append(WeightProblem(name: full, problem: "\(error)"))
            return HostTensor(zeros: shape)
        }
    }

    /// Index of the first NaN or infinity; a plain loop so that multi-million-element checks stay fast in debug builds.
    private static func firstNonFinite(_ data: [Float]) -> Int? {
        data.withUnsafeBufferPointer { buffer in
            for i in 0 ..< buffer.count where !buffer[i].isFinite { return i }
            return nil
        }
    }

    /// `host(...)` uploaded to the backend.
    func tensor(_ name: String, _ shape: Shape, _ role: WeightRole) throws -> Tensor {
        let tensor = try backend.upload(host(name, shape, role))
        (source as? UploadObserver)?.uploaded(scope + "/" + name, role: role, as: tensor)
        return tensor
    }

    /// Throws `WeightLoadError` if any weight was missing or mismatched, or the weights mix conventions.
    func finish() throws {
        let items = problems.items + source.conventionProblems(requested: problems.requested)
        guard items.isEmpty else {
            throw WeightLoadError(
                source: source.description, problems: items, scope: scope,
                unused: source.unusedVariables(scope: scope, requested: Set(problems.requested.keys)))
        }
    }
}

/// Shared between a binder and its scoped children.
private final class ProblemList {
    var items: [WeightProblem] = []
    /// Every full name asked for, loaded or not, with its role.
    var requested: [String: WeightRole] = [:]
}
