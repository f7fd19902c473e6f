/// TensorFlow's `StridedSlice` resolved against an input shape: per input axis a start, count and step, and the
/// output shape once new axes are inserted and shrunk axes removed
/// (`tensorflow/core/util/strided_slice_op.cc`, `ValidateStridedSliceOp`).
struct StridedSliceSpec: Equatable {
    var start: [Int]
    var count: [Int]
    var step: [Int]
    var outputShape: [Int]

    struct Masks {
        var begin = 0, end = 0, ellipsis = 0, newAxis = 0, shrinkAxis = 0
    }
}

extension StridedSliceSpec {
    /// Resolves `begin`/`end`/`strides` (equal lengths) with the masks; throws a description of what is wrong.
    init(shape: [Int], begin: [Int], end: [Int], strides: [Int], masks: Masks) throws(StridedSliceProblem) {
        let n = begin.count
        guard end.count == n, strides.count == n else {
            throw StridedSliceProblem("begin, end and strides have lengths \(n), \(end.count), \(strides.count)")
        }
        guard masks.ellipsis & (masks.ellipsis - 1) == 0 else { throw StridedSliceProblem("more than one ellipsis") }
        let bit = { (mask: Int, i: Int) in mask & (1 << i) != 0 }
        // Input axes the sparse spec names explicitly (not the ellipsis, not new axes).
        let named = (0 ..< n).filter { !bit(masks.ellipsis, $0) && !bit(masks.newAxis, $0) }.count
        guard named <= shape.count else {
            throw StridedSliceProblem("slices \(named) axes of a rank-\(shape.count) tensor")
        }
        start = []
        count = []
        step = []
        outputShape = []
        var axis = 0
        func full() {
            start.append(0)
            count.append(shape[axis])
            step.append(1)
            outputShape.append(shape[axis])
            axis += 1
        }
        for i in 0 ..< n {
            if bit(masks.ellipsis, i) {
                for _ in 0 ..< (shape.count - named) { full() }
                continue
            }
            if bit(masks.newAxis, i) {
                outputShape.append(1)
                continue
            }
            let size = shape[axis]
            let s = strides[i]
            guard s != 0 else { throw StridedSliceProblem("stride 0 at index \(i)") }
            if bit(masks.shrinkAxis, i) {
                let index = begin[i] < 0 ? begin[i] + size : begin[i]
                guard index >= 0, index < size else {
                    throw StridedSliceProblem("index \(begin[i]) out of range for axis \(axis) of size \(size)")
                }
                start.append(index)
                count.append(1)
                step.append(1)
                axis += 1
                continue
            }
            let (low, high) = s > 0 ? (0, size) : (-1, size - 1)
            let clampIndex = { (v: Int) in min(max(v < 0 ? v + size : v, low), high) }
            let b = bit(masks.begin, i) ? (s > 0 ? 0 : size - 1) : clampIndex(begin[i])
            let e = bit(masks.end, i) ? (s > 0 ? size : -1) : clampIndex(end[i])
            let length = s > 0 ? (e - b + s - 1) / s : (b - e + (-s) - 1) / (-s)
            let c = max(0, length)
            start.append(c > 0 ? b : 0)
            count.append(c)
            step.append(c > 0 ? s : 1)
            outputShape.append(c)
            axis += 1
        }
        while axis < shape.count { full() }
    }
}

/// A `StridedSlice` that cannot be resolved against its input.
struct StridedSliceProblem: Error {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}
