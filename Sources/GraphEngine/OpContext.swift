import TensorFlowGraph
import Tensors

/// What an op implementation sees when it runs: its node, its input values, the backend and the services of the
/// program running it.
struct OpContext {
    let node: TFNode
    let inputs: [GraphValue]
    let backend: any Backend
    /// Turns input `i`, when it is a host value, into a backend tensor (cached for values folded at load).
    let upload: (Int) throws -> Tensor
    /// The program's noise stream, for random ops.
    let random: RandomSource
    /// What a fused group adds in the op's epilogue (`FusedGroup`: convolutions and matrix products only).
    struct Epilogue {
        var bias: Tensor?
        /// Added before the activation (convolutions only).
        var residual: Tensor?
        var activation: Activation
        /// 2 when the convolution reads its input through a nearest 2× upsampling (a fused resize).
        var inputUpsampling = 1
    }

    var epilogue: Epilogue? = nil

    /// Input `i` as a backend tensor, uploaded if it is on the host.
    func tensor(_ i: Int) throws -> Tensor {
        switch inputs[i] {
        case .device(let t, _): return t
        case .host: return try upload(i)
        }
    }

    /// Input `i`, which must be a host value: a constant, a variable, or computed from shapes.
    func host(_ i: Int, _ role: String) throws -> HostArray {
        guard let a = inputs[i].host else {
            throw GraphError.execution(
                op: node.op, node: node.name, detail: "its \(role) (input \(i)) must be known before the run")
        }
        return a
    }

    /// Input `i` as integers (axes, sizes, shapes).
    func integers(_ i: Int, _ role: String) throws -> [Int] {
        let a = try host(i, role)
        guard let values = a.integers else { throw failure("its \(role) must hold integers, got \(a.elements)") }
        return values
    }

    /// Input `i` as one integer (a scalar or a one-element array).
    func integer(_ i: Int, _ role: String) throws -> Int {
        let values = try integers(i, role)
        guard values.count == 1 else { throw failure("its \(role) must be one integer, got \(values)") }
        return values[0]
    }

    /// An error naming this node.
    func failure(_ detail: String) -> GraphError { .execution(op: node.op, node: node.name, detail: detail) }

    /// `axis` in `-rank ..< rank` made non-negative.
    func axis(_ axis: Int, rank: Int) throws -> Int {
        guard axis >= -rank, axis < max(rank, 1) else { throw failure("axis \(axis) is out of range for rank \(rank)") }
        return axis < 0 ? axis + rank : axis
    }

    // MARK: attributes

    func int(_ name: String) throws -> Int {
        guard case .int(let v) = node.attrs[name] else { throw failure("attribute '\(name)' missing or not an int") }
        return Int(v)
    }

    func ints(_ name: String) throws -> [Int] {
        guard case .list(let items) = node.attrs[name] else {
            throw failure("attribute '\(name)' missing or not a list")
        }
        return try items.map { item in
            guard case .int(let v) = item else { throw failure("attribute '\(name)' is not a list of ints") }
            return Int(v)
        }
    }

    func bool(_ name: String, default value: Bool = false) -> Bool {
        if case .bool(let b) = node.attrs[name] { return b }
        return value
    }

    func float(_ name: String, default value: Float) -> Float {
        if case .float(let f) = node.attrs[name] { return f }
        return value
    }

    func string(_ name: String) -> String? {
        if case .string(let s) = node.attrs[name] { return s }
        return nil
    }

    func type(_ name: String) -> TFDataType? {
        if case .type(let t) = node.attrs[name] { return t }
        return nil
    }

    /// The node's element type: attribute `T` (or `dtype`), else its first input's.
    var elementType: TFDataType { type("T") ?? type("dtype") ?? inputs.first?.dtype ?? .float }
}

/// The noise stream of a program, seeded at the start of each run, for TensorFlow's random ops.
final class RandomSource: @unchecked Sendable {
    var generator: SeededRandom
    init(seed: UInt64) { generator = SeededRandom(seed: seed) }
}

extension TFDataType {
    /// Whether the type is a floating-point type the backends compute in (as float32).
    var isFloatingPoint: Bool { [1, 2, 14, 19].contains(base.rawValue) }
}
