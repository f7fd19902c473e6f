import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

/// concat (TensorFlow's ConcatV2): values are only copied, so parity is exact in both storage precisions.
@Suite("concat")
struct ConcatTests {
    static func concat(_ xs: [HostTensor], axis: Int) throws -> HostTensor {
        let cpu = CPUBackend()
        return try cpu.download(cpu.concat(xs.map { try cpu.upload($0) }, axis: axis))
    }

    @Test func referenceValues() throws {
        let a = try HostTensor(shape: [1, 2, 2], data: [1, 2, 3, 4])
        let b = try HostTensor(shape: [1, 2, 2], data: [5, 6, 7, 8])
        #expect(try Self.concat([a, b], axis: 0) == HostTensor(shape: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(try Self.concat([a, b], axis: 1) == HostTensor(shape: [1, 4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(try Self.concat([a, b], axis: 2) == HostTensor(shape: [1, 2, 4], data: [1, 2, 5, 6, 3, 4, 7, 8]))
        // the middle axis of [2, ·, 2]: each batch item's rows from a, then from c
        let c = try HostTensor(shape: [2, 1, 2], data: [10, 11, 12, 13])
        let d = try HostTensor(shape: [2, 2, 2], data: [20, 21, 22, 23, 24, 25, 26, 27])
        #expect(
            try Self.concat([c, d], axis: 1)
                == HostTensor(shape: [2, 3, 2], data: [10, 11, 20, 21, 22, 23, 12, 13, 24, 25, 26, 27]))
        // one input is a copy
        #expect(try Self.concat([d], axis: 1) == d)
        // five inputs on the last axis, one of them empty
        let parts = try [[1], [2, 3], [], [4], [5, 6, 7]].map {
            try HostTensor(shape: [1, $0.count], data: $0.map(Float.init))
        }
        #expect(try Self.concat(parts, axis: 1) == HostTensor(shape: [1, 7], data: [1, 2, 3, 4, 5, 6, 7]))
        // an empty input between two others on the first axis
        let empty = HostTensor(zeros: [0, 2, 2])
        #expect(try Self.concat([a, empty, b], axis: 0) == Self.concat([a, b], axis: 0))
        // all empty off the axis: an empty output
        #expect(try Self.concat([HostTensor(zeros: [0, 2]), HostTensor(zeros: [0, 3])], axis: 1).shape == [0, 5])
    }

    /// On the last axis, two inputs give what `concatChannels` gives, on both backends.
    @Test func lastAxisMatchesConcatChannels() throws {
        var rng = SeededRandom(seed: 71)
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            for (shape, channels): (Shape, Int) in [([2, 5, 7, 3], 4), ([3, 1], 6), ([4], 2)] {
                let x = try b.upload(rng.normalTensor(shape))
                let y = try b.upload(rng.normalTensor(Shape(shape.dims.dropLast() + [channels])))
                #expect(
                    try b.download(b.concat([x, y], axis: shape.rank - 1)) == b.download(b.concatChannels(x, y)),
                    "\(b.name) \(shape) + \(channels)")
            }
        }
    }

    /// Random cases: ranks 1–5, any axis, 1–5 inputs whose sizes along it are 0–4 (a zero in a quarter of them).
    static func randomCases(seed: UInt64, count: Int) -> [(shapes: [Shape], axis: Int)] {
        var rng = SeededRandom(seed: seed)
        return (0 ..< count).map { _ in
            let dims = (0 ..< 1 + Int(rng.next() % 5)).map { _ in 1 + Int(rng.next() % 4) }
            let axis = Int(rng.next() % UInt64(dims.count))
            let shapes = (0 ..< 1 + Int(rng.next() % 5)).map { _ -> Shape in
                var input = dims
                input[axis] = rng.next() % 4 == 0 ? 0 : 1 + Int(rng.next() % 4)
                return Shape(input)
            }
            return (shapes, axis)
        }
    }

    @Test(arguments: [Precision.fp32, .fp16])
    func parity(precision: Precision) throws {
        var rng = SeededRandom(seed: 72)
        for (shapes, axis) in Self.randomCases(seed: 73, count: 40) {
            let inputs = shapes.map { rng.normalTensor($0) }
            let context = "\(shapes) on axis \(axis)"
            switch precision {
            case .fp32: try expectParity(inputs, .exact, context) { b, t in try b.concat(t, axis: axis) }
            case .fp16: try expectHalfParity(inputs, .exact, context) { b, t in try b.concat(t, axis: axis) }
            }
        }
    }

    /// [4, 9M] and [1, 9M] on the first axis: each input is one row of the output viewed as [1, ·]; the 144 MB first
    /// input exceeds lavapipe's 128 MiB binding range, so it is copied in chunks, each binding the part of the output
    /// it writes.
    @Test func slabsLargerThanBindingRangeAreSplit() throws {
        let n = 9_000_000
        let a = try HostTensor(shape: [4, n], data: (0 ..< 4 * n).map { Float($0 % 997) })
        let b = try HostTensor(shape: [1, n], data: (0 ..< n).map { -Float($0 % 991) })
        try expectParity([a, b], .exact, "concat [4, 9M] and [1, 9M] on axis 0") { backend, t in
            try backend.concat(t, axis: 0)
        }
    }

    /// [2, 3.5M, 3] and [2, 3.5M, 2] on the last axis: 140 MB of output whose rows interleave the inputs, so the
    /// first input's output spans more than one binding and it is copied in chunks, the second starting inside a row.
    @Test func interleavedOutputLargerThanBindingRangeIsSplit() throws {
        let n = 3_500_000
        let a = try HostTensor(shape: [2, n, 3], data: (0 ..< 6 * n).map { Float($0 % 997) })
        let b = try HostTensor(shape: [2, n, 2], data: (0 ..< 4 * n).map { -Float($0 % 991) })
        try expectParity([a, b], .exact, "concat [2, 3.5M, 3] and [2, 3.5M, 2] on axis 2") { backend, t in
            try backend.concat(t, axis: 2)
        }
    }

    @Test func rejectsInvalidArguments() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try b.upload(HostTensor(zeros: [2, 3, 4]))
            #expect(throws: TensorError.self) { try b.concat([], axis: 0) }
            #expect(throws: TensorError.self) { try b.concat([x], axis: 3) }
            #expect(throws: TensorError.self) { try b.concat([x], axis: -1) }
            #expect(throws: TensorError.self) { try b.concat([x, b.upload(HostTensor(zeros: [2, 3]))], axis: 0) }
            #expect(throws: TensorError.self) { try b.concat([x, b.upload(HostTensor(zeros: [2, 4, 4]))], axis: 2) }
            #expect(throws: TensorError.self) { try b.concat([x, b.upload(HostTensor(zeros: [3, 3, 4]))], axis: 1) }
            let scalar = try b.upload(HostTensor(shape: [], data: [1]))
            #expect(throws: TensorError.self) { try b.concat([scalar, scalar], axis: 0) }
        }
        // a tensor of another backend
        let gpu = try TestDevice.vulkan()
        let other = try CPUBackend().upload(HostTensor(zeros: [2, 3]))
        #expect(throws: TensorError.self) { try gpu.concat([gpu.upload(HostTensor(zeros: [2, 3])), other], axis: 0) }
        do {
            _ = try Concat.outputShape([[2, 3, 4], [2, 5, 5]], axis: 1)
            Issue.record("[2,3,4] and [2,5,5] concatenated on axis 1")
        } catch let error as TensorError {
            #expect("\(error)" == "concat: shape mismatch: input 1 [2,5,5] differs from input 0 [2,3,4] off axis 1")
        }
    }
}
