import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

/// concatChannels, padChannels and sliceChannels: they only move values, so parity is exact.
@Suite("channelOps")
struct ChannelOpsTests {
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let a = try cpu.upload(HostTensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let b = try cpu.upload(HostTensor(shape: [2, 1], data: [5, 6]))
        let ab = try cpu.concatChannels(a, b)
        #expect(ab.shape == [2, 3])
        #expect(try cpu.values(ab) == [1, 2, 5, 3, 4, 6])
        let padded = try cpu.padChannels(a, before: 1, after: 2)
        #expect(padded.shape == [2, 5])
        #expect(try cpu.values(padded) == [0, 1, 2, 0, 0, 0, 3, 4, 0, 0])
        let sliced = try cpu.sliceChannels(ab, start: 1, count: 2)
        #expect(sliced.shape == [2, 2])
        #expect(try cpu.values(sliced) == [2, 5, 4, 6])
    }

    @Test func concatParity() throws {
        var rng = SeededRandom(seed: 51)
        for (shape, cb): (Shape, Int) in [([1, 7], 3), ([3, 5, 7, 3], 5), ([2, 9, 11, 13], 1), ([4], 6)] {
            let other = Shape(shape.dims.dropLast() + [cb])
            try expectParity([rng.normalTensor(shape), rng.normalTensor(other)], .exact, "\(shape) + \(cb)") { b, t in
                try b.concatChannels(t[0], t[1])
            }
        }
    }

    @Test func padParity() throws {
        var rng = SeededRandom(seed: 52)
        for (shape, before, after): (Shape, Int, Int) in [
            ([1, 7], 0, 3), ([3, 5, 7, 3], 3, 0), ([2, 9, 11, 13], 2, 5), ([4], 1, 1),
        ] {
            try expectParity([rng.normalTensor(shape)], .exact, "\(shape) pad \(before), \(after)") { b, t in
                try b.padChannels(t[0], before: before, after: after)
            }
        }
    }

    @Test func sliceParity() throws {
        var rng = SeededRandom(seed: 53)
        for (shape, start, count): (Shape, Int, Int) in [
            ([1, 7], 0, 3), ([3, 5, 7, 3], 2, 1), ([2, 9, 11, 13], 5, 8), ([4], 1, 3),
        ] {
            try expectParity([rng.normalTensor(shape)], .exact, "\(shape) slice \(start)+\(count)") { b, t in
                try b.sliceChannels(t[0], start: start, count: count)
            }
        }
    }

    /// The 3 × 46.4 MB output exceeds lavapipe's 128 MiB binding range, so the concat is split by batch.
    @Test func concatLargerThanBindingRangeIsSplit() throws {
        let a = try HostTensor(shape: [3, 2_900_000, 3], data: (0 ..< 26_100_000).map { Float($0 % 997) })
        let b = try HostTensor(shape: [3, 2_900_000, 1], data: (0 ..< 8_700_000).map { -Float($0 % 991) })
        try expectParity([a, b], .exact, "concat 3×2.9M×(3+1)") { backend, t in try backend.concatChannels(t[0], t[1]) }
    }

    @Test func rejectsBadShapes() throws {
        for b in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try b.upload(HostTensor(zeros: [2, 3, 4]))
            #expect(throws: TensorError.self) { try b.concatChannels(x, b.upload(HostTensor(zeros: [2, 2, 4]))) }
            #expect(throws: TensorError.self) { try b.concatChannels(x, b.upload(HostTensor(zeros: [2, 12]))) }
            #expect(throws: TensorError.self) { try b.padChannels(x, before: -1, after: 2) }
            #expect(throws: TensorError.self) { try b.sliceChannels(x, start: 2, count: 3) }
            #expect(throws: TensorError.self) { try b.sliceChannels(x, start: -1, count: 2) }
            #expect(throws: TensorError.self) { try b.sliceChannels(x, start: 0, count: 0) }
        }
    }
}
