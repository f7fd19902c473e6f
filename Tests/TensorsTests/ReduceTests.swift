import Foundation
import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

@Suite("reduce")
struct ReduceTests {
    static let ops: [ReduceOp] = [.sum, .mean, .max, .min]

    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        func apply(_ x: HostTensor, _ axes: [Int], _ op: ReduceOp) throws -> HostTensor {
            try cpu.download(cpu.reduce(cpu.upload(x), axes: axes, op))
        }
        // rows [1, −2, 6] and [4, 5, −3]
        let x = try HostTensor(shape: [2, 3], data: [1, -2, 6, 4, 5, -3])
        #expect(try apply(x, [0], .sum) == HostTensor(shape: [3], data: [5, 3, 3]))
        #expect(try apply(x, [1], .sum) == HostTensor(shape: [2], data: [5, 6]))
        #expect(try apply(x, [1, 0], .sum) == HostTensor(shape: [], data: [11]))
        #expect(try apply(x, [0], .mean).data == [2.5, 1.5, 1.5])
        #expect(try apply(x, [1], .mean).data == [Float(5.0 / 3), 2])
        #expect(try apply(x, [0, 1], .mean).data == [Float(11.0 / 6)])
        #expect(try apply(x, [0], .max).data == [4, 5, 6])
        #expect(try apply(x, [1], .max).data == [6, 5])
        #expect(try apply(x, [0, 1], .max).data == [6])
        #expect(try apply(x, [0], .min).data == [1, -2, -3])
        #expect(try apply(x, [1], .min).data == [-2, -3])
        #expect(try apply(x, [1, 0], .min).data == [-3])
        for op in Self.ops { #expect(try apply(x, [], op) == x, "no axes: a copy (\(op))") }
        // x[i, j, k] = 6i + 3j + k over i and k: j = 0 holds 0, 1, 2, 6, 7, 8; j = 1 holds 3, 4, 5, 9, 10, 11
        let ramp = try HostTensor(shape: [2, 2, 3], data: (0 ..< 12).map(Float.init))
        #expect(try apply(ramp, [0, 2], .sum) == HostTensor(shape: [2], data: [24, 42]))
        #expect(try apply(ramp, [2, 0], .mean).data == [4, 7])
        #expect(try apply(ramp, [0, 2], .max).data == [8, 11])
        #expect(try apply(ramp, [0, 2], .min).data == [0, 3])
        // a rank-0 tensor with no axes, and a rank-1 tensor over its only axis
        #expect(try apply(HostTensor(shape: [], data: [7]), [], .mean) == HostTensor(shape: [], data: [7]))
        #expect(
            try apply(HostTensor(shape: [4], data: [1, 2, 3, 4]), [0], .mean) == HostTensor(shape: [], data: [2.5]))
    }

    @Test func layoutMergesAxes() throws {
        // NHWC over H and W: [N, H·W, C] reduced over the middle
        let spatial = try Reduce.layout([2, 5, 7, 3], axes: [1, 2])
        #expect(spatial.shape == [2, 3] && spatial.dims == [2, 35, 3] && spatial.reduced == [false, true, false])
        #expect(spatial.keptDims == [2, 3] && spatial.keptStrides == [105, 1])
        #expect(spatial.reducedDims == [35] && spatial.reducedStrides == [3] && spatial.reducedCount == 35)
        // {0, 2} of rank 3 alternates: reduced, kept, reduced
        let alternating = try Reduce.layout([2, 3, 4], axes: [2, 0])
        #expect(alternating.shape == [3] && alternating.reduced == [true, false, true])
        #expect(alternating.keptStrides == [4] && alternating.reducedDims == [2, 4])
        #expect(alternating.reducedStrides == [12, 1])
        #expect(alternating.offset(ofOutput: 2) == 8 && alternating.offset(ofReduced: 5) == 12 + 1)
        // axes of size 1 drop out, whether kept or reduced
        let ones = try Reduce.layout([1, 5, 1, 3], axes: [0, 1])
        #expect(ones.shape == [1, 3] && ones.dims == [5, 3] && ones.reduced == [true, false])
        #expect(try Reduce.layout([2, 1, 1, 3], axes: [1, 2]).reducedCount == 1)
        // every axis, no axes, rank 0
        let all = try Reduce.layout([2, 3], axes: [0, 1])
        #expect(all.shape == [] && all.shape.count == 1 && all.keptDims == [] && all.reducedCount == 6)
        let none = try Reduce.layout([2, 3], axes: [])
        #expect(none.shape == [2, 3] && none.reducedCount == 1 && none.reducedDims == [])
        #expect(try Reduce.outputShape([], axes: []) == [])
        // eight axes alternating fit four groups of each
        #expect(try Reduce.layout(Shape([Int](repeating: 2, count: 8)), axes: [1, 3, 5, 7]).dims.count == 8)
    }

    @Test func rejectsBadCalls() throws {
        for backend in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try backend.upload(HostTensor(zeros: [2, 3, 4]))
            for axes in [[-1], [3], [0, 3], [1, 1], [2, 0, 2]] {
                #expect(throws: TensorError.self, "\(axes)") { try backend.reduce(x, axes: axes, .sum) }
            }
            #expect(throws: TensorError.self) {
                try backend.reduce(CPUBackend().upload(HostTensor(zeros: [2, 3])), axes: [0], .max)
            }
        }
        #expect(throws: TensorError.self) { try Reduce.outputShape([], axes: [0]) }
        do {
            _ = try Reduce.outputShape([2, 3, 4], axes: [-1])
            Issue.record("axis −1 accepted")
        } catch let error as TensorError {
            #expect(
                "\(error)"
                    == "reduce: unsupported: axis -1 of [2,3,4] is negative; the caller resolves negative axes "
                    + "(axis + rank) first")
        }
        // nine axes alternating need five groups of kept axes
        #expect(throws: TensorError.self) {
            try Reduce.outputShape(Shape([Int](repeating: 2, count: 9)), axes: [1, 3, 5, 7])
        }
    }

    /// Over zero elements: sum 0, mean NaN, max −∞, min +∞, as TensorFlow gives; the reference computes them, the
    /// device uploads `ReduceOp.resultOverNoElements`. Zero outputs give an empty tensor.
    @Test func emptyReductions() throws {
        let cpu = CPUBackend()
        let empty = try cpu.upload(HostTensor(zeros: [2, 0, 3]))
        let results = try Self.ops.map { try cpu.values(cpu.reduce(empty, axes: [1], $0)) }
        #expect(results[0] == [0, 0, 0, 0, 0, 0] && results[1].allSatisfy(\.isNaN))
        #expect(results[2].allSatisfy { $0 == -.infinity } && results[3].allSatisfy { $0 == .infinity })
        let backends: [any Backend] = [cpu, try TestDevice.vulkan(), try TestDevice.vulkan(precision: .fp16)]
        for backend in backends {
            let x = try backend.upload(HostTensor(zeros: [2, 0, 3]))
            let rows = try backend.upload(HostTensor(zeros: [0, 3]))
            for op in Self.ops {
                let identity = op.resultOverNoElements
                let cases: [(Tensor, Shape)] = [
                    (try backend.reduce(x, axes: [1], op), [2, 3]), (try backend.reduce(x, axes: [0, 1, 2], op), []),
                    (try backend.reduce(rows, axes: [0], op), [3]), (try backend.reduce(rows, axes: [1], op), [0]),
                    (try backend.reduce(rows, axes: [], op), [0, 3]),
                ]
                for (y, shape) in cases {
                    let values = try backend.download(y)
                    #expect(values.shape == shape, "\(backend.name) \(op)")
                    #expect(
                        values.data.allSatisfy { $0 == identity || ($0.isNaN && identity.isNaN) },
                        "\(backend.name) \(op) over no elements: \(values.data)")
                }
            }
        }
    }

    /// max and min propagate NaN, sum and mean follow IEEE (NaN, ∞ − ∞ = NaN), on both backends, along short rows,
    /// long rows (lanes and a tree) and columns.
    @Test func nanAndInfinities() throws {
        let rows: [Float] = [1, .nan, 3, -2, .infinity, 2, -.infinity, 0, 5, 6, .infinity, 7]
        let expected: [ReduceOp: [Float]] = [
            .sum: [.nan, .nan, .infinity], .mean: [.nan, .nan, .infinity], .max: [.nan, .infinity, .infinity],
            .min: [.nan, -.infinity, 5],
        ]
        var long = HostTensor(zeros: [2, 1000])
        long.data[777] = .nan
        long.data[1000 + 12] = .infinity
        var columns = HostTensor(zeros: [1000, 2])
        columns.data[2 * 555] = .nan
        columns.data[2 * 999 + 1] = -.infinity
        func same(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        for backend in [CPUBackend(), try TestDevice.vulkan()] as [any Backend] {
            let x = try backend.upload(HostTensor(shape: [3, 4], data: rows))
            for op in Self.ops {
                let y = try backend.values(backend.reduce(x, axes: [1], op))
                #expect(same(y, expected[op]!), "\(backend.name) \(op): \(y)")
            }
            let longMax = try backend.values(backend.reduce(backend.upload(long), axes: [1], .max))
            #expect(longMax[0].isNaN && longMax[1] == .infinity, "\(backend.name) rows: \(longMax)")
            let columnMin = try backend.values(backend.reduce(backend.upload(columns), axes: [0], .min))
            #expect(columnMin[0].isNaN && columnMin[1] == -.infinity, "\(backend.name) columns: \(columnMin)")
        }
    }

    /// The mean over H and W of NHWC is `globalAveragePool`: bit for bit on the CPU (the same Double sums in the same
    /// order), and on the device within the mean's tolerance (its sums are blocked differently).
    @Test func spatialMeanMatchesGlobalAveragePool() throws {
        var rng = SeededRandom(seed: 43)
        let cpu = CPUBackend()
        for shape: Shape in [[1, 1, 1, 3], [1, 7, 5, 3], [3, 4, 9, 5], [2, 64, 64, 5], [1, 8, 8, 67]] {
            let x = rng.uniformTensor(shape, in: 0 ..< 2)
            let pooled = try cpu.download(cpu.globalAveragePool(cpu.upload(x)))
            #expect(try cpu.download(cpu.reduce(cpu.upload(x), axes: [1, 2], .mean)) == pooled, "\(shape)")
            let gpu = try TestDevice.vulkan()
            let mean = try gpu.download(gpu.reduce(gpu.upload(x), axes: [1, 2], .mean))
            expectClose(mean, pooled, try Self.tolerance(.mean, x, axes: [1, 2]), "\(shape)")
        }
    }

    /// Shapes and axes: ranks 1–5; the first, the last, {0, 2}, every and no axis; NHWC's spatial axes; and each of
    /// the device's strategies (`casesCoverEveryStrategy`).
    static let cases: [(Shape, [Int])] = [
        ([17], [0]), ([300], [0]), ([5, 7], [0]), ([5, 7], [1]), ([5, 7], []), ([3, 5000], [1]), ([300, 70], [0]),
        ([70, 16500], [0]), ([2, 3, 4], [0, 2]), ([2, 9, 11, 13], [1, 2]), ([2, 9, 11, 13], [3]),
        ([2, 9, 11, 13], [0]), ([2, 9, 11, 13], [0, 2]), ([2, 9, 11, 13], [3, 0, 1, 2]), ([2, 64, 64, 5], [1, 2]),
        ([3, 4, 5, 6, 7], [1, 3]), ([3, 4, 5, 6, 7], [0, 2, 4]), ([3, 1, 5, 1, 7], [1, 2]), ([4, 3, 2, 5, 6], [4]),
    ]

    /// The cases run both one invocation per output and workgroups of lanes in either arrangement on this device,
    /// over reductions longer than one block of 64.
    @Test func casesCoverEveryStrategy() throws {
        let gpu = try TestDevice.vulkan()
        let local = VulkanBackend.reduceLocalSize(maxInvocations: Int(gpu.context.limits.maxWorkGroupInvocations))
        var strategies: [ReduceStrategy] = []
        for (shape, axes) in Self.cases {
            let layout = try Reduce.layout(shape, axes: axes)
            guard layout.reducedCount > 64 else { continue }
            let strategy = ReduceStrategy(layout, localSize: local)
            switch strategy {
            case .invocationPerOutput: strategies.append(strategy)
            case .workgroup(_, let lanesInnermost):
                strategies.append(.workgroup(outputsPerGroup: 0, lanesInnermost: lanesInnermost))
            }
        }
        for strategy in [
            ReduceStrategy.invocationPerOutput, .workgroup(outputsPerGroup: 0, lanesInnermost: true),
            .workgroup(outputsPerGroup: 0, lanesInnermost: false),
        ] {
            #expect(strategies.contains(strategy), "no case runs \(strategy)")
        }
    }

    /// Roundings any term of the device's sum passes through, for `count` terms: ≤ 63 within its block of 64,
    /// ≤ ⌈count/64⌉ adding the block sums, and ≤ 8 in the tree over at most 256 lanes (a lane's own sum has fewer
    /// blocks); never more than count − 1.
    static func sumDepth(_ count: Int) -> Int { max(0, min(count - 1, 63 + (count + 63) / 64 + 8)) }

    /// max and min select an element: exact. A sum whose terms pass through at most d = `sumDepth(R)` roundings is
    /// within γ_d·Σ|x| of the exact sum (γ_d = d·u/(1 − d·u), u = 2⁻²⁴; Higham, Accuracy and Stability, §4.2), and
    /// the reference (Double, rounded once) within half an ulp: absolute γ_d·max Σ|x| over the outputs, relative 1 ulp
    /// (the reference's half ulp and half for measuring against it). The mean divides by R: absolute γ_d·max mean|x|,
    /// and relative 3.5 ulp as division (2.5 ulp in Vulkan's table + 1). The bound grows with R through d(R) ≈ R/64.
    static func tolerance(_ op: ReduceOp, _ x: HostTensor, axes: [Int]) throws -> Tolerance {
        guard op == .sum || op == .mean else { return .exact }
        let cpu = CPUBackend()
        let magnitudes = try HostTensor(shape: x.shape, data: x.data.map(abs))
        let maxAbsSum = Double(try cpu.values(cpu.reduce(cpu.upload(magnitudes), axes: axes, .sum)).max() ?? 0)
        let count = try Reduce.layout(x.shape, axes: axes).reducedCount
        let d = Double(sumDepth(count))
        let gamma = d * 0x1p-24 / (1 - d * 0x1p-24)
        let expected = try cpu.values(cpu.reduce(cpu.upload(x), axes: axes, op))
        // (1 + 2⁻²⁰): the bound rounded to Float must not fall below itself
        let sumBound = Float(gamma * maxAbsSum * (1 + 0x1p-20))
        let tolerance =
            op == .sum
            ? Tolerance(absolute: sumBound, relative: Tolerance.ulp, nmse: 0)
            : Tolerance(absolute: sumBound / Float(max(count, 1)), relative: 3.5 * Tolerance.ulp, nmse: 0)
        return tolerance.withImpliedNMSE(for: expected)
    }

    @Test(arguments: ReduceTests.ops)
    func parity(op: ReduceOp) throws {
        var rng = SeededRandom(seed: 71 + UInt64(Self.ops.firstIndex(of: op)!))
        for (shape, axes) in Self.cases {
            let x = rng.normalTensor(shape, standardDeviation: 3)
            try expectParity([x], Self.tolerance(op, x, axes: axes), "\(op) \(shape) over \(axes)") { b, t in
                try b.reduce(t[0], axes: axes, op)
            }
        }
    }

    /// fp16 storage: max and min select a stored half (exact); sums and means keep the fp32 tolerance for the
    /// rounded inputs both sides use, plus one rounding of the output (`withHalfOutput`).
    @Test(arguments: ReduceTests.ops)
    func halfStorage(op: ReduceOp) throws {
        var rng = SeededRandom(seed: 81 + UInt64(Self.ops.firstIndex(of: op)!))
        for (shape, axes) in Self.cases {
            let x = rng.normalTensor(shape, standardDeviation: 3)
            let tolerance =
                op == .max || op == .min ? .exact : try Self.tolerance(op, x.roundedToHalf, axes: axes).withHalfOutput()
            try expectHalfParity([x], tolerance, "\(op) \(shape) over \(axes)") { b, t in
                try b.reduce(t[0], axes: axes, op)
            }
        }
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB maxStorageBufferRange. Over the rows, the outermost (kept) axis is split
    /// into chunks that fit; over the columns every output reads all of x, which must fit one binding: where it does
    /// not, a clear error.
    @Test func largerThanBindingRange() throws {
        let n = 12_000_000
        let x = try HostTensor(shape: [3, n], data: (0 ..< 3 * n).map { Float($0 % 997) - 498 })
        for op in [ReduceOp.max, .sum] {
            try expectParity([x], Self.tolerance(op, x, axes: [1]), "\(op) [3, 12M] over the rows") { b, t in
                try b.reduce(t[0], axes: [1], op)
            }
        }
        let gpu = try TestDevice.vulkan()
        let input = try gpu.upload(x)
        if UInt64(3 * n * 4) > gpu.context.limits.maxStorageBufferRange {
            #expect(throws: VulkanError.self) { try gpu.reduce(input, axes: [0], .sum) }
        } else {
            let cpu = CPUBackend()
            expectClose(
                try gpu.download(gpu.reduce(input, axes: [0], .min)),
                try cpu.download(cpu.reduce(cpu.upload(x), axes: [0], .min)), .exact, "min [3, 12M] over the columns")
        }
    }
}
