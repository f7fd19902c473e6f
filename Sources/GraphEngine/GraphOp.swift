import TensorFlowGraph
import Tensors

/// How the engine runs one TensorFlow op type.
struct GraphOp: Sendable {
    /// Inputs that must be known on the host when the op runs (axes, sizes, shapes); the load fails if one of them is
    /// computed from a signature input on the device.
    var hostInputs: Set<Int> = []
    /// Whether every input must be on the host (ops with no backend implementation, such as comparisons).
    var hostOnly = false
    /// Whether the outputs are host values even when inputs live on the device (`Shape`, random ops).
    var alwaysHost = false
    /// Whether each run gives new values, so the op is never folded at load.
    var isRandom = false
    /// A problem with the node's attributes (unsupported data format, training mode…), found at load; nil if none.
    var check: @Sendable (TFNode) -> String? = { _ in nil }
    /// The exact host computation, used when every input is a host value; returning nil defers to `device`.
    var host: (@Sendable (OpContext) throws -> [HostArray]?)?
    /// The backend computation.
    var device: (@Sendable (OpContext) throws -> [GraphValue])?
}

/// Every op type the engine runs, by TensorFlow name.
enum GraphOps {
    static let all: [String: GraphOp] = {
        var ops: [String: GraphOp] = [:]
        for family in [ArrayOps.all, MathOps.all, NeuralOps.all, ImageOps.all, RandomOps.all] {
            ops.merge(family) { first, _ in first }
        }
        return ops
    }()

    /// Ops that pass their first input through unchanged.
    static let passThrough: Set<String> = [
        "Identity", "StopGradient", "Snapshot", "PreventGradient", "CheckNumerics", "ReadVariableOp",
        "EnsureShape",
    ]

    /// Ops the program resolves itself: graph sources and pass-throughs.
    static let sources: Set<String> = [
        "Const", "Placeholder", "PlaceholderWithDefault", "VariableV2", "Variable", "VarHandleOp",
    ]

    /// Whether `op` can be run at all (by the op table or the program itself).
    static func isSupported(_ op: String) -> Bool {
        all[op] != nil || passThrough.contains(op) || sources.contains(op)
    }
}

/// Attribute checks shared by several ops.
enum AttributeChecks {
    /// `data_format` absent or NHWC.
    static func nhwc(_ node: TFNode) -> String? {
        guard case .string(let format) = node.attrs["data_format"] else { return nil }
        return format == "NHWC" ? nil : "data_format \(format) (only NHWC)"
    }

    /// A float element type for ops the backends compute.
    static func floatType(_ node: TFNode) -> String? {
        guard case .type(let t) = node.attrs["T"] else { return nil }
        return t.base.isFloatingPoint ? nil : "element type \(t) (only floating point)"
    }

    static func all(_ checks: (@Sendable (TFNode) -> String?)...) -> @Sendable (TFNode) -> String? {
        { node in checks.lazy.compactMap { $0(node) }.first }
    }
}
