import TensorFlowGraph
import Tensors

/// Shapes and data movement: `Shape`, `Reshape`, `ConcatV2`, `StridedSlice`, `Transpose`, `Tile`, `Pad`, `Fill`,
/// `Cast`, `Select`…; exact on the host and on the backends.
enum ArrayOps {
    static let all: [String: GraphOp] = [
        "Shape": GraphOp(alwaysHost: true, host: shapeOf { .int32($0.shape) }),
        "Size": GraphOp(alwaysHost: true, host: shapeOf { scalar($0.shape.reduce(1, *)) }),
        "Rank": GraphOp(alwaysHost: true, host: shapeOf { scalar($0.shape.count) }),
        "ShapeN": GraphOp(alwaysHost: true, host: { c in c.inputs.map { .int32($0.shape) } }),
        "Reshape": GraphOp(
            hostInputs: [1], host: { c in [try c.host(0, "tensor").reshaped(to: reshapeTarget(c))] },
            device: { c in [.device(try c.tensor(0).reshaped(Shape(reshapeTarget(c))), c.inputs[0].dtype)] }),
        "ExpandDims": GraphOp(
            hostInputs: [1], host: { c in [try c.host(0, "tensor").reshaped(to: expanded(c))] },
            device: { c in [.device(try c.tensor(0).reshaped(Shape(expanded(c))), c.inputs[0].dtype)] }),
        "Squeeze": GraphOp(
            host: { c in [try c.host(0, "tensor").reshaped(to: squeezed(c))] },
            device: { c in [.device(try c.tensor(0).reshaped(Shape(squeezed(c))), c.inputs[0].dtype)] }),
        "ConcatV2": concat(axisInput: { $0.inputs.count - 1 }, values: { Array(0 ..< $0.inputs.count - 1) }),
        "Concat": concat(axisInput: { _ in 0 }, values: { Array(1 ..< $0.inputs.count) }),
        "Pack": GraphOp(
            host: { c in
                let (axis, shape) = try packShape(c)
                return [
                    HostArray.concatenated(
                        try c.inputs.indices.map { try c.host($0, "value").reshaped(to: shape) }, axis: axis)
                ]
            },
            device: { c in
                let (axis, shape) = try packShape(c)
                let parts = try c.inputs.indices.map { try c.tensor($0).reshaped(Shape(shape)) }
                return [.device(try c.backend.concat(parts, axis: axis), c.elementType)]
            }),
        "Unpack": GraphOp(
            host: { c in
                try unpack(c).map {
                    try c.host(0, "value").sliced(start: $0.start, count: $0.count, step: $0.step).reshaped(
                        to: $0.shape)
                }
            },
            device: { c in
                try unpack(c).map {
                    .device(
                        try c.backend.slice(c.tensor(0), start: $0.start, count: $0.count, step: $0.step).reshaped(
                            Shape($0.shape)), c.elementType)
                }
            }),
        "Split": split(
            value: 1,
            plan: { c in
                let shape = c.inputs[1].shape
                let axis = try c.axis(c.integer(0, "axis"), rank: shape.count)
                let parts = try c.int("num_split")
                guard parts > 0, shape[axis] % parts == 0 else {
                    throw c.failure("axis \(axis) of size \(shape[axis]) does not split into \(parts) equal parts")
                }
                return (axis, [Int](repeating: shape[axis] / parts, count: parts))
            }),
        "SplitV": split(
            value: 0,
            plan: { c in
                let shape = c.inputs[0].shape
                let axis = try c.axis(c.integer(2, "axis"), rank: shape.count)
                var sizes = try c.integers(1, "size_splits")
                let unknown = sizes.indices.filter { sizes[$0] == -1 }
                let known = sizes.filter { $0 != -1 }.reduce(0, +)
                if unknown.count == 1 { sizes[unknown[0]] = shape[axis] - known }
                guard unknown.count <= 1, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[axis] else {
                    throw c.failure("size_splits \(try c.integers(1, "size_splits")) do not add up to \(shape[axis])")
                }
                return (axis, sizes)
            }, hostInputs: [1, 2]),
        "Slice": GraphOp(
            hostInputs: [1, 2],
            host: { c in
                let s = try slicePlan(c)
                return [try c.host(0, "input").sliced(start: s.start, count: s.count, step: s.step)]
            },
            device: { c in
                let s = try slicePlan(c)
                return [
                    .device(
                        try c.backend.slice(c.tensor(0), start: s.start, count: s.count, step: s.step),
                        c.inputs[0].dtype)
                ]
            }),
        "StridedSlice": GraphOp(
            hostInputs: [1, 2, 3],
            host: { c in
                let s = try stridedSlice(c)
                return [
                    try c.host(0, "input").sliced(start: s.start, count: s.count, step: s.step).reshaped(
                        to: s.outputShape)
                ]
            },
            device: { c in
                let s = try stridedSlice(c)
                let sliced = try c.backend.slice(c.tensor(0), start: s.start, count: s.count, step: s.step)
                return [.device(try sliced.reshaped(Shape(s.outputShape)), c.inputs[0].dtype)]
            }),
        "Tile": GraphOp(
            hostInputs: [1], host: { c in [try c.host(0, "input").tiled(multiples(c))] },
            device: { c in [.device(try c.backend.tile(c.tensor(0), multiples: multiples(c)), c.inputs[0].dtype)] }),
        "Transpose": GraphOp(
            hostInputs: [1], host: { c in [try c.host(0, "x").transposed(permutation(c))] },
            device: { c in
                [.device(try c.backend.transpose(c.tensor(0), permutation: permutation(c)), c.inputs[0].dtype)]
            }),
        "Pad": pad(constant: { _ in 0 }),
        "PadV2": pad(constant: { c in try c.host(2, "constant_values").elements.first ?? 0 }, hostInputs: [1, 2]),
        "MirrorPad": GraphOp(check: { _ in "MirrorPad (only constant padding: Pad, PadV2)" }),
        "Fill": GraphOp(
            hostInputs: [0, 1],
            host: { c in
                let dims = try c.integers(0, "dims")
                guard dims.allSatisfy({ $0 >= 0 }) else { throw c.failure("negative dimension in \(dims)") }
                let value = try c.host(1, "value")
                guard value.count == 1 else { throw c.failure("value must be a scalar, got \(value.shape)") }
                return [
                    HostArray(
                        dtype: value.dtype, shape: dims,
                        elements: Array(repeating: value.elements[0], count: dims.reduce(1, *)))
                ]
            }),
        "ZerosLike": like(0),
        "OnesLike": like(1),
        "Cast": GraphOp(
            check: { node in
                guard case .type(let t) = node.attrs["DstT"] else { return "no DstT attribute" }
                // The backends hold float32 and have no rounding to a narrower float: refuse rather than differ.
                if [14, 19].contains(t.base.rawValue) { return "cast to \(t) (values are computed in float32)" }
                return t.byteSize == nil ? "cast to \(t)" : nil
            }, host: { c in [try c.host(0, "x").rounded(to: c.type("DstT") ?? .float)] },
            device: { c in [try cast(c)] }),
        "Select": GraphOp(
            host: { c in try select(c, strictShapes: true) }, device: { c in try selectDevice(c, strictShapes: true) }),
        "SelectV2": GraphOp(
            host: { c in try select(c, strictShapes: false) }, device: { c in try selectDevice(c, strictShapes: false) }
        ),
        "Range": GraphOp(
            hostOnly: true,
            host: { c in
                let (start, limit, delta) = (try c.host(0, "start"), try c.host(1, "limit"), try c.host(2, "delta"))
                guard let s = start.elements.first, let l = limit.elements.first, let d = delta.elements.first, d != 0
                else {
                    throw c.failure("start, limit and delta must be scalars with delta ≠ 0")
                }
                let n = max(0, Int(((l - s) / d).rounded(.up)))
                guard n <= 1 << 28 else { throw c.failure("\(n) elements") }
                return [
                    HostArray(dtype: start.dtype, shape: [n], elements: (0 ..< n).map { s + Double($0) * d }).rounded(
                        to: start.dtype)
                ]
            }),
        "GatherV2": GraphOp(hostOnly: true, host: { c in [try gather(c)] }),
    ]

    // MARK: shapes

    private static func shapeOf(_ f: @escaping @Sendable (GraphValue) -> HostArray)
        -> @Sendable (OpContext) throws -> [HostArray]?
    {
        { c in
            let type = c.type("out_type") ?? .int32
            return [f(c.inputs[0]).rounded(to: type)]
        }
    }

    private static func scalar(_ value: Int) -> HostArray {
        HostArray(dtype: .int32, shape: [], elements: [Double(value)])
    }

    /// `Reshape`'s target with a −1 resolved.
    private static func reshapeTarget(_ c: OpContext) throws -> [Int] {
        var target = try c.integers(1, "shape")
        let count = c.inputs[0].shape.reduce(1, *)
        let unknown = target.indices.filter { target[$0] == -1 }
        let known = target.filter { $0 != -1 }.reduce(1, *)
        guard unknown.count <= 1, target.allSatisfy({ $0 >= -1 }) else { throw c.failure("target shape \(target)") }
        if let u = unknown.first {
            guard known > 0, count % known == 0 else {
                throw c.failure("cannot reshape \(c.inputs[0].shape) to \(target)")
            }
            target[u] = count / known
        }
        guard target.reduce(1, *) == count else { throw c.failure("cannot reshape \(c.inputs[0].shape) to \(target)") }
        return target
    }

    private static func expanded(_ c: OpContext) throws -> [Int] {
        var shape = c.inputs[0].shape
        let axis = try c.axis(c.integer(1, "axis"), rank: shape.count + 1)
        shape.insert(1, at: axis)
        return shape
    }

    private static func squeezed(_ c: OpContext) throws -> [Int] {
        let shape = c.inputs[0].shape
        let requested = (try? c.ints("squeeze_dims")) ?? (try? c.ints("axis")) ?? []
        let axes = try Set(requested.map { try c.axis($0, rank: shape.count) })
        for axis in axes where shape[axis] != 1 {
            throw c.failure("cannot squeeze axis \(axis) of size \(shape[axis]) in \(shape)")
        }
        return shape.indices.filter { axes.isEmpty ? shape[$0] != 1 : !axes.contains($0) }.map { shape[$0] }
    }

    // MARK: concat, pack, split

    private static func concat(
        axisInput: @escaping @Sendable (OpContext) -> Int, values: @escaping @Sendable (OpContext) -> [Int]
    ) -> GraphOp {
        @Sendable func plan(_ c: OpContext) throws -> (axis: Int, parts: [Int]) {
            let parts = values(c)
            let rank = c.inputs[parts[0]].shape.count
            let axis = try c.axis(c.integer(axisInput(c), "axis"), rank: rank)
            for p in parts {
                let s = c.inputs[p].shape
                guard s.count == rank, (0 ..< rank).allSatisfy({ $0 == axis || s[$0] == c.inputs[parts[0]].shape[$0] })
                else {
                    throw c.failure("inputs \(parts.map { c.inputs[$0].shape }) differ off axis \(axis)")
                }
            }
            return (axis, parts)
        }
        return GraphOp(
            check: { node in node.inputs.filter { !$0.hasPrefix("^") }.count >= 2 ? nil : "no values to concatenate" },
            host: { c in
                let (axis, parts) = try plan(c)
                return [HostArray.concatenated(try parts.map { try c.host($0, "value") }, axis: axis)]
            },
            device: { c in
                let (axis, parts) = try plan(c)
                return [
                    .device(try c.backend.concat(parts.map { try c.tensor($0) }, axis: axis), c.inputs[parts[0]].dtype)
                ]
            })
    }

    /// The pack axis and each input's shape with a 1 inserted there.
    private static func packShape(_ c: OpContext) throws -> (axis: Int, shape: [Int]) {
        let shape = c.inputs[0].shape
        let axis = try c.axis((try? c.int("axis")) ?? 0, rank: shape.count + 1)
        guard c.inputs.allSatisfy({ $0.shape == shape }) else {
            throw c.failure("inputs have different shapes \(c.inputs.map(\.shape))")
        }
        var expanded = shape
        expanded.insert(1, at: axis)
        return (axis, expanded)
    }

    private static func unpack(_ c: OpContext) throws -> [(start: [Int], count: [Int], step: [Int], shape: [Int])] {
        let shape = c.inputs[0].shape
        let axis = try c.axis((try? c.int("axis")) ?? 0, rank: shape.count)
        let number = (try? c.int("num")) ?? shape[axis]
        guard number == shape[axis] else { throw c.failure("num \(number) but axis \(axis) has size \(shape[axis])") }
        var count = shape
        count[axis] = 1
        var result = shape
        result.remove(at: axis)
        return (0 ..< number).map { i in
            var start = [Int](repeating: 0, count: shape.count)
            start[axis] = i
            return (start, count, [Int](repeating: 1, count: shape.count), result)
        }
    }

    private static func split(
        value: Int, plan: @escaping @Sendable (OpContext) throws -> (axis: Int, sizes: [Int]),
        hostInputs: Set<Int> = [0]
    ) -> GraphOp {
        @Sendable func slices(_ c: OpContext) throws -> [(start: [Int], count: [Int], step: [Int])] {
            let shape = c.inputs[value].shape
            let (axis, sizes) = try plan(c)
            var offset = 0
            return sizes.map { size in
                var start = [Int](repeating: 0, count: shape.count)
                start[axis] = offset
                var count = shape
                count[axis] = size
                offset += size
                return (start, count, [Int](repeating: 1, count: shape.count))
            }
        }
        return GraphOp(
            hostInputs: hostInputs,
            host: { c in
                try slices(c).map { try c.host(value, "value").sliced(start: $0.start, count: $0.count, step: $0.step) }
            },
            device: { c in
                try slices(c).map {
                    .device(
                        try c.backend.slice(c.tensor(value), start: $0.start, count: $0.count, step: $0.step),
                        c.inputs[value].dtype)
                }
            })
    }

    // MARK: slicing, tiling, padding

    private static func slicePlan(_ c: OpContext) throws -> (start: [Int], count: [Int], step: [Int]) {
        let shape = c.inputs[0].shape
        let begin = try c.integers(1, "begin")
        var size = try c.integers(2, "size")
        guard begin.count == shape.count, size.count == shape.count else {
            throw c.failure("begin \(begin) and size \(size) must have one entry per axis of \(shape)")
        }
        for axis in shape.indices {
            if size[axis] == -1 { size[axis] = shape[axis] - begin[axis] }
            guard begin[axis] >= 0, size[axis] >= 0, begin[axis] + size[axis] <= shape[axis] else {
                throw c.failure("slice begin \(begin) size \(try c.integers(2, "size")) is out of range for \(shape)")
            }
        }
        return (begin, size, [Int](repeating: 1, count: shape.count))
    }

    private static func stridedSlice(_ c: OpContext) throws -> StridedSliceSpec {
        let masks = StridedSliceSpec.Masks(
            begin: (try? c.int("begin_mask")) ?? 0, end: (try? c.int("end_mask")) ?? 0,
            ellipsis: (try? c.int("ellipsis_mask")) ?? 0, newAxis: (try? c.int("new_axis_mask")) ?? 0,
            shrinkAxis: (try? c.int("shrink_axis_mask")) ?? 0)
        do {
            return try StridedSliceSpec(
                shape: c.inputs[0].shape, begin: c.integers(1, "begin"), end: c.integers(2, "end"),
                strides: c.integers(3, "strides"), masks: masks)
        } catch let problem as StridedSliceProblem {
            throw c.failure(problem.detail)
        }
    }

    private static func multiples(_ c: OpContext) throws -> [Int] {
        let m = try c.integers(1, "multiples")
        guard m.count == c.inputs[0].shape.count, m.allSatisfy({ $0 >= 0 }) else {
            throw c.failure("multiples \(m) for a tensor of shape \(c.inputs[0].shape)")
        }
        return m
    }

    private static func permutation(_ c: OpContext) throws -> [Int] {
        let rank = c.inputs[0].shape.count
        let p = try c.integers(1, "perm").map { try c.axis($0, rank: rank) }
        guard p.count == rank, Set(p).count == rank else { throw c.failure("permutation \(p) for rank \(rank)") }
        return p
    }

    private static func pad(constant: @escaping @Sendable (OpContext) throws -> Double, hostInputs: Set<Int> = [1])
        -> GraphOp
    {
        @Sendable func amounts(_ c: OpContext) throws -> (before: [Int], after: [Int]) {
            let rank = c.inputs[0].shape.count
            let p = try c.integers(1, "paddings")
            guard p.count == 2 * rank, p.allSatisfy({ $0 >= 0 }) else {
                throw c.failure("paddings \(p) for rank \(rank) (need [rank, 2], non-negative)")
            }
            return (
                stride(from: 0, to: p.count, by: 2).map { p[$0] }, stride(from: 1, to: p.count, by: 2).map { p[$0] }
            )
        }
        return GraphOp(
            hostInputs: hostInputs,
            check: { node in
                guard case .string(let mode) = node.attrs["mode"] else { return nil }
                return mode == "CONSTANT" ? nil : "padding mode \(mode)"
            },
            host: { c in
                let (before, after) = try amounts(c)
                return [try c.host(0, "input").padded(before: before, after: after, value: try constant(c))]
            },
            device: { c in
                let (before, after) = try amounts(c)
                let value = Float(try constant(c))
                return [
                    .device(
                        try c.backend.pad(c.tensor(0), before: before, after: after, value: value), c.inputs[0].dtype)
                ]
            })
    }

    private static func like(_ value: Double) -> GraphOp {
        GraphOp(
            alwaysHost: true,
            host: { c in
                let shape = c.inputs[0].shape
                return [
                    HostArray(
                        dtype: c.inputs[0].dtype, shape: shape,
                        elements: Array(repeating: value, count: shape.reduce(1, *)))
                ]
            })
    }

    // MARK: cast, select, gather

    /// A cast of a device tensor: floats stay as they are (computed in float32), integers truncate toward zero,
    /// booleans become 0/1.
    private static func cast(_ c: OpContext) throws -> GraphValue {
        let target = c.type("DstT") ?? .float
        let x = try c.tensor(0)
        let source = c.inputs[0].dtype
        if target.isFloatingPoint || target == source { return .device(x, target) }
        if target == .bool {
            // x ≠ 0, so NaN casts to true as in TensorFlow.
            let zero = try c.backend.upload(HostTensor(shape: [], data: [0]))
            return .device(try c.backend.binary(x, zero, .notEqual), target)
        }
        return .device(source.isFloatingPoint ? try c.backend.unary(x, .truncate) : x, target)
    }

    private static func selectShapes(_ c: OpContext, strictShapes: Bool) throws {
        guard strictShapes else { return }
        let (cond, a) = (c.inputs[0].shape, c.inputs[1].shape)
        // TF1 `Select`: the condition is a scalar (picking all of t or all of e), has t's shape, or is a vector over
        // t's first axis.
        guard cond.isEmpty || cond == a || (cond.count == 1 && !a.isEmpty && cond[0] == a[0]), a == c.inputs[2].shape
        else {
            throw c.failure("condition \(cond), t \(a), e \(c.inputs[2].shape)")
        }
    }

    /// TF1 `Select` with a vector condition over the first axis, reshaped to broadcast like `SelectV2`.
    private static func selectCondition(_ c: OpContext) -> [Int]? {
        let (cond, a) = (c.inputs[0].shape, c.inputs[1].shape)
        guard cond.count == 1, a.count > 1 else { return nil }
        return cond + [Int](repeating: 1, count: a.count - 1)
    }

    private static func select(_ c: OpContext, strictShapes: Bool) throws -> [HostArray]? {
        try selectShapes(c, strictShapes: strictShapes)
        var cond = try c.host(0, "condition")
        if strictShapes, let shape = selectCondition(c) { cond = cond.reshaped(to: shape) }
        let (a, b) = (try c.host(1, "t"), try c.host(2, "e"))
        let (ab, shape) = try HostArray.broadcast(a, b)
        let (cab, outputShape) = try HostArray.broadcast(cond, HostArray(dtype: a.dtype, shape: shape, elements: []))
        let elements = (0 ..< outputShape.reduce(1, *)).map { i -> Double in
            let (ci, j) = cab(i)
            let (ai, bi) = ab(j)
            return cond.elements[ci] != 0 ? a.elements[ai] : b.elements[bi]
        }
        return [HostArray(dtype: a.dtype, shape: outputShape, elements: elements)]
    }

    private static func selectDevice(_ c: OpContext, strictShapes: Bool) throws -> [GraphValue] {
        try selectShapes(c, strictShapes: strictShapes)
        var cond = try c.tensor(0)
        if strictShapes, let shape = selectCondition(c) { cond = try cond.reshaped(Shape(shape)) }
        return [.device(try c.backend.select(cond, c.tensor(1), c.tensor(2)), c.inputs[1].dtype)]
    }

    private static func gather(_ c: OpContext) throws -> HostArray {
        let params = try c.host(0, "params")
        let indices = try c.integers(1, "indices")
        let axis = try c.axis(c.integer(2, "axis"), rank: params.rank)
        guard (try? c.int("batch_dims")) ?? 0 == 0 else { throw c.failure("batch_dims ≠ 0") }
        let size = params.shape[axis]
        guard indices.allSatisfy({ $0 >= 0 && $0 < size }) else {
            throw c.failure("indices \(indices) out of range for axis \(axis) of size \(size)")
        }
        let indexShape = try c.host(1, "indices").shape
        let shape = Array(params.shape[..<axis]) + indexShape + Array(params.shape[(axis + 1)...])
        let strides = HostArray.strides(params.shape)
        return params.gathered(shape: shape) { index in
            var offset = 0
            for a in 0 ..< axis { offset += index[a] * strides[a] }
            let flat =
                indexShape.isEmpty
                ? 0
                : zip(index[axis ..< (axis + indexShape.count)], HostArray.strides(indexShape)).reduce(0) {
                    $0 + $1.0 * $1.1
                }
            offset += indices[flat] * strides[axis]
            for a in (axis + 1) ..< params.rank { offset += index[a - 1 + indexShape.count] * strides[a] }
            return offset
        }
    }
}

extension HostArray {
    /// The same elements under `shape` (same count, checked by the caller).
    func reshaped(to shape: [Int]) -> HostArray { HostArray(dtype: dtype, shape: shape, elements: elements) }

    /// NumPy broadcasting of two host arrays: a function from an output index to the two source indices, and the
    /// output shape.
    static func broadcast(_ a: HostArray, _ b: HostArray) throws -> ((Int) -> (Int, Int), [Int]) {
        let rank = max(a.rank, b.rank)
        let ad = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let bd = [Int](repeating: 1, count: rank - b.rank) + b.shape
        var shape: [Int] = []
        for axis in 0 ..< rank {
            guard ad[axis] == bd[axis] || ad[axis] == 1 || bd[axis] == 1 else {
                throw TensorError.shapeMismatch(op: "broadcast", "\(a.shape) and \(b.shape) do not broadcast")
            }
            shape.append(ad[axis] == 1 ? bd[axis] : ad[axis])
        }
        let (aStrides, bStrides, outStrides) = (strides(ad), strides(bd), strides(shape))
        let map = { (i: Int) -> (Int, Int) in
            var (ai, bi, rest) = (0, 0, i)
            for axis in 0 ..< rank {
                let k = rest / outStrides[axis]
                rest -= k * outStrides[axis]
                if ad[axis] != 1 { ai += k * aStrides[axis] }
                if bd[axis] != 1 { bi += k * bStrides[axis] }
            }
            return (ai, bi)
        }
        return (map, shape)
    }
}
