import Testing

@testable import GraphEngine

/// `StridedSliceSpec` against what TensorFlow's `StridedSlice` gives for the same arguments (`x[...]` in Python).
@Suite("strided slice resolution")
struct StridedSliceSpecTests {
    typealias Masks = StridedSliceSpec.Masks

    func spec(_ shape: [Int], _ begin: [Int], _ end: [Int], _ strides: [Int], _ masks: Masks = Masks()) throws
        -> StridedSliceSpec
    {
        try StridedSliceSpec(shape: shape, begin: begin, end: end, strides: strides, masks: masks)
    }

    @Test func simpleRanges() throws {
        // x[1:4] of [5]
        #expect(try spec([5], [1], [4], [1]) == StridedSliceSpec(start: [1], count: [3], step: [1], outputShape: [3]))
        // x[-10:10] clamps to the whole axis
        #expect(try spec([5], [-10], [10], [1]).count == [5])
        // x[0:5:2] → 0, 2, 4
        #expect(try spec([5], [0], [5], [2]) == StridedSliceSpec(start: [0], count: [3], step: [2], outputShape: [3]))
        // x[3:1] is empty
        #expect(try spec([5], [3], [1], [1]).outputShape == [0])
    }

    @Test func negativeStrides() throws {
        // x[-1:0:-1] of [5] → 4, 3, 2, 1
        #expect(
            try spec([5], [-1], [0], [-1]) == StridedSliceSpec(start: [4], count: [4], step: [-1], outputShape: [4]))
        // x[::-1] → 4 … 0
        let reversed = try spec([5], [0], [0], [-1], Masks(begin: 1, end: 1))
        #expect(reversed == StridedSliceSpec(start: [4], count: [5], step: [-1], outputShape: [5]))
        // x[::-2] → 4, 2, 0
        #expect(try spec([5], [0], [0], [-2], Masks(begin: 1, end: 1)).count == [3])
    }

    @Test func masks() throws {
        // x[..., 1:3] of [2,3,4]: the ellipsis covers the first two axes
        let ellipsis = try spec([2, 3, 4], [0, 1], [0, 3], [1, 1], Masks(ellipsis: 1))
        #expect(
            ellipsis
                == StridedSliceSpec(start: [0, 0, 1], count: [2, 3, 2], step: [1, 1, 1], outputShape: [2, 3, 2]))
        // x[1] of [4,3]: shrink removes the axis
        let shrunk = try spec([4, 3], [1], [2], [1], Masks(shrinkAxis: 1))
        #expect(shrunk == StridedSliceSpec(start: [1, 0], count: [1, 3], step: [1, 1], outputShape: [3]))
        // x[-1] of [4] (the last entry of a shape vector) → a scalar
        #expect(
            try spec([4], [-1], [0], [1], Masks(shrinkAxis: 1))
                == StridedSliceSpec(start: [3], count: [1], step: [1], outputShape: []))
        // x[tf.newaxis, :] of [4] → [1, 4]
        #expect(try spec([4], [0, 0], [0, 4], [1, 1], Masks(newAxis: 1)).outputShape == [1, 4])
        // x[:, :2] with begin_mask on axis 0 and an implicit full last axis for [3,4,5]
        let partial = try spec([3, 4, 5], [0, 0], [0, 2], [1, 1], Masks(begin: 1, end: 1))
        #expect(partial.outputShape == [3, 2, 5])
    }

    @Test func invalidArguments() {
        #expect(throws: StridedSliceProblem.self) { try spec([5], [0], [5], [0]) }
        #expect(throws: StridedSliceProblem.self) { try spec([5], [7], [8], [1], Masks(shrinkAxis: 1)) }
        #expect(throws: StridedSliceProblem.self) { try spec([5], [0, 0], [1, 1], [1, 1]) }
        #expect(throws: StridedSliceProblem.self) { try spec([5], [0], [1, 2], [1]) }
    }
}
