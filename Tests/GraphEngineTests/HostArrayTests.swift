import TensorFlowGraph
import Testing

@testable import GraphEngine

/// The exact host evaluation of shape computations and data movement.
@Suite("host arrays")
struct HostArrayTests {
    let x = HostArray(dtype: .int32, shape: [2, 3], elements: [0, 1, 2, 3, 4, 5])

    @Test func dataMovement() {
        #expect(x.transposed([1, 0]).elements == [0, 3, 1, 4, 2, 5])
        #expect(x.transposed([1, 0]).shape == [3, 2])
        #expect(x.sliced(start: [1, 2], count: [1, 3], step: [1, -1]).elements == [5, 4, 3])
        #expect(x.tiled([1, 2]).elements == [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        #expect(x.tiled([2, 1]).shape == [4, 3])
        let padded = x.padded(before: [0, 1], after: [1, 0], value: -1)
        #expect(padded.shape == [3, 4])
        #expect(padded.elements == [-1, 0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1])
        let joined = HostArray.concatenated([x, x.sliced(start: [0, 0], count: [2, 1], step: [1, 1])], axis: 1)
        #expect(joined.shape == [2, 4] && joined.elements == [0, 1, 2, 0, 3, 4, 5, 3])
        #expect(HostArray.concatenated([x, x], axis: 0).elements == x.elements + x.elements)
    }

    @Test func reductionsAndBroadcasting() throws {
        #expect(x.reduced(axes: [1], keepDimensions: false, initial: 0, +).elements == [3, 12])
        #expect(x.reduced(axes: [0], keepDimensions: true, initial: 0, +).shape == [1, 3])
        #expect(x.reduced(axes: [0, 1], keepDimensions: false, initial: 1, *).elements == [0])
        let column = HostArray(dtype: .int32, shape: [2, 1], elements: [10, 20])
        let (map, shape) = try HostArray.broadcast(x, column)
        #expect(shape == [2, 3])
        #expect((0 ..< 6).map { map($0).1 } == [0, 0, 0, 1, 1, 1])
        #expect(throws: (any Error).self) {
            try HostArray.broadcast(x, HostArray(dtype: .int32, shape: [2], elements: [1, 2]))
        }
    }

    @Test func rounding() {
        #expect(HostArray.round(2.7, to: .int32) == 2 && HostArray.round(-2.7, to: .int32) == -2)
        #expect(HostArray.round(0.1, to: .float) == Double(Float(0.1)))
        #expect(HostArray.round(3, to: .bool) == 1)
        #expect(HostArray(dtype: .float, shape: [2], elements: [1.5, 2]).integers == nil)
        #expect(x.integers == [0, 1, 2, 3, 4, 5])
    }
}
