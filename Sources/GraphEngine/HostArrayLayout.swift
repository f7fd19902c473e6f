/// Exact data movement on host arrays, with the same meaning as the backends' `rearrange` and `concat`: how shape
/// computations (TensorFlow's `Shape` → `StridedSlice` → `Pack` chains) are evaluated before and during a run.
extension HostArray {
    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }

    /// A new array of `shape` whose element at each multi-index is this array's element at `source(index)`, or
    /// `fill` where `source` gives nil.
    func gathered(shape: [Int], fill: Double = 0, _ source: ([Int]) -> Int?) -> HostArray {
        let count = shape.reduce(1, *)
        var result: [Double] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0 ..< count {
            result.append(source(index).map { elements[$0] } ?? fill)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return HostArray(dtype: dtype, shape: shape, elements: result)
    }

    func transposed(_ permutation: [Int]) -> HostArray {
        let strides = Self.strides(shape)
        return gathered(shape: permutation.map { shape[$0] }) { index in
            zip(index, permutation).reduce(0) { $0 + $1.0 * strides[$1.1] }
        }
    }

    /// Element `i` along axis `a` reads `start[a] + step[a]·i` (bounds checked by the caller).
    func sliced(start: [Int], count: [Int], step: [Int]) -> HostArray {
        let strides = Self.strides(shape)
        return gathered(shape: count) { index in
            (0 ..< index.count).reduce(0) { $0 + (start[$1] + step[$1] * index[$1]) * strides[$1] }
        }
    }

    func tiled(_ multiples: [Int]) -> HostArray {
        let strides = Self.strides(shape)
        return gathered(shape: zip(shape, multiples).map(*)) { index in
            (0 ..< index.count).reduce(0) { $0 + (index[$1] % shape[$1]) * strides[$1] }
        }
    }

    func padded(before: [Int], after: [Int], value: Double) -> HostArray {
        let strides = Self.strides(shape)
        let output = (0 ..< shape.count).map { before[$0] + shape[$0] + after[$0] }
        return gathered(shape: output, fill: value) { index in
            var offset = 0
            for axis in 0 ..< index.count {
                let i = index[axis] - before[axis]
                guard i >= 0, i < shape[axis] else { return nil }
                offset += i * strides[axis]
            }
            return offset
        }
    }

    /// Joins `parts` (equal shapes off `axis`) along `axis`.
    static func concatenated(_ parts: [HostArray], axis: Int) -> HostArray {
        var shape = parts[0].shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outer = shape[..<axis].reduce(1, *)
        var result: [Double] = []
        result.reserveCapacity(shape.reduce(1, *))
        for o in 0 ..< outer {
            for part in parts {
                let slab = part.shape[axis...].reduce(1, *)
                result += part.elements[(o * slab) ..< ((o + 1) * slab)]
            }
        }
        return HostArray(dtype: parts[0].dtype, shape: shape, elements: result)
    }
}
