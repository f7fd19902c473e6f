import Foundation
import TestSupport
import Testing
import VulkanCompute

@testable import Tensors
@testable import TensorsVulkan

/// fp16 storage (`Precision.fp16`): tensors stored as IEEE half, every shader computing in fp32.
///
/// Parity method: the CPU reference gets the inputs rounded to half, i.e. exactly the values the device stores,
/// so input rounding (≤ 2⁻¹¹ relative per value, which a K-term sum turns into ≤ 2⁻¹⁰·Σ|x·w|) is not part of
/// the per-op tolerances; the model tests in BigBiGANTests measure it end to end. What remains is the op's fp32
/// tolerance (same arithmetic, same accumulation order as with fp32 storage) widened by one rounding of the
/// output to half (`Tolerance.withHalfOutput`), and for conditional batch norm the rounding of its stored gain
/// and bias. Convolutions and products run with both the direct and the tiled kernels.
///
/// Measured on lavapipe: every computed op's worst relative error is 4.1–4.9e-4 (the half roundoff u = 4.88e-4
/// is the bound) and its NMSE 1e-8–1.4e-7 (bound ≈ u² = 2.4e-7); conditional batch norm's worst absolute
/// error is 2.1e-3 against its 4.1e-3 bound; moves, max pooling, ReLU, ReLU6, negation, maximum and minimum are
/// exact.
@Suite("fp16 storage")
struct HalfStorageTests {
    // MARK: transfers

    /// Every value a half can hold comes back exactly, through the mapping and through staging memory.
    @Test(arguments: [false, true])
    func representableValuesRoundTripExactly(alwaysStage: Bool) throws {
        var options = VulkanBackend.Options(precision: .fp16)
        options.alwaysStage = alwaysStage
        let gpu = try TestDevice.vulkan(options)
        let special: [Float] = [
            0, -0.0, 1, -1, 0.5, 65504, -65504, 0x1p-14, 0x1p-24, -0x1p-24, 3 * 0x1p-24, 2047, 2048, -1.5,
            .infinity, -.infinity,
        ]
        // finite positive halves
        let all = special + (0 ..< 2000).map { Float(Float16(bitPattern: UInt16($0 * 31 % 0x7C00))) }
        let host = try HostTensor(shape: [all.count], data: all)
        let back = try gpu.download(gpu.upload(host))
        #expect(back.data.map(\.bitPattern) == all.map(\.bitPattern))
    }

    /// Uploads round to nearest, ties to even; magnitudes from 65520 (half-way to 2¹⁶) overflow to ±inf, as IEEE
    /// conversion does; NaN stays NaN.
    @Test func uploadRoundsToNearestEvenAndOverflowsToInfinity() throws {
        let gpu = try TestDevice.vulkan(precision: .fp16)
        let inputs: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 0.1, 65519, 65520, 70000, -1e6, 0x1p-26, .nan]
        let expected: [Float] = [1, 1 + 0x1p-9, 0.0999755859375, 65504, .infinity, .infinity, -.infinity, 0, .nan]
        let back = try gpu.values(gpu.upload(HostTensor(shape: [inputs.count], data: inputs)))
        for (i, (b, e)) in zip(back, expected).enumerated() {
            #expect(b == e || (b.isNaN && e.isNaN), "\(inputs[i]) → \(b), expected \(e)")
        }
    }

    /// fp32 and fp16 backends share one context: each gets its own pipelines (the STORAGE_FP16 define is part
    /// of the kernel key), stores its own element size, and 0.1 comes back as each precision rounds it.
    @Test func fp32AndFp16BackendsShareAContext() throws {
        let x = try HostTensor(shape: [1000], data: Array(repeating: 0.1, count: 1000))
        for precision in [Precision.fp16, .fp32, .fp16] {
            let gpu = try TestDevice.vulkan(precision: precision)
            let input = try gpu.upload(x)
            #expect(gpu.memoryUsage.inUse == UInt64(1000 * precision.bytesPerElement))
            let expected: Float = precision == .fp16 ? 0.0999755859375 : 0.1
            #expect(try gpu.values(gpu.unary(input, .relu)).allSatisfy { $0 == expected }, "\(precision)")
        }
    }

    /// A device without 16-bit storage access refuses fp16 and names the feature.
    @Test func missingFeatureIsNamed() throws {
        var features = try TestDevice.context.get().features
        features.storageBuffer16BitAccess = false
        #expect(throws: VulkanError.self) { try Precision.fp16.requireSupport(by: features, device: "test device") }
        do {
            try Precision.fp16.requireSupport(by: features, device: "test device")
        } catch {
            #expect("\(error)".contains("storageBuffer16BitAccess") && "\(error)".contains("test device"))
        }
        try Precision.fp32.requireSupport(by: features, device: "test device")
    }

    // MARK: ops against the reference

    @Test(arguments: Conv2DTests.cases)
    func conv2d(c: Conv2DTests.Case) throws {
        try expectHalfParity(
            c.inputs(seed: UInt64(c.input.count * 37 + c.cout)), Conv2DTests.tolerance(k: c.k).withHalfOutput(),
            c.testDescription, c.apply)
    }

    @Test(arguments: MatMulTests.cases)
    func matmul(c: MatMulTests.Case) throws {
        try expectHalfParity(
            c.inputs(seed: UInt64(c.m * 1000 + c.k * 10 + c.n + 1)), MatMulTests.tolerance(k: c.k).withHalfOutput(),
            c.testDescription, c.apply)
    }

    @Test(arguments: [Activation.none, .relu])
    func batchNorm(activation: Activation) throws {
        var rng = SeededRandom(seed: activation == .relu ? 71 : 72)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [1, 1, 1, 1]] {
            let c = shape.channels
            let inputs = [
                rng.normalTensor(shape, standardDeviation: 3), rng.normalTensor([c]),
                rng.uniformTensor([c], in: 0.05 ..< 2), rng.normalTensor([c], standardDeviation: 2),
                rng.normalTensor([c]),
            ]
            try expectHalfParity(inputs, BatchNormTests.tolerance.withHalfOutput(), "\(shape) \(activation)") { b, t in
                let p = BatchNormParameters(mean: t[1], variance: t[2], scale: t[3], offset: t[4], epsilon: 1e-3)
                return try b.batchNorm(t[0], parameters: p, activation: activation)
            }
        }
    }

    /// Gain and bias [N, C] are intermediate tensors, so they are stored as half too. With these inputs
    /// |x̂| ≤ 2.5/√0.5 ≈ 3.6, |gain| ≤ 1 + K·1·(1/K) = 2 and |bias| ≤ 1, so their rounding moves y by at most
    /// 3.6·2·2⁻¹¹ + 1·2⁻¹¹ ≈ 4e-3 on top of the fp32 tolerance (5e-5) and the output's rounding.
    @Test(arguments: [Activation.none, .relu])
    func conditionalBatchNorm(activation: Activation) throws {
        var rng = SeededRandom(seed: activation == .relu ? 73 : 74)
        let intermediates = Float(3.6 * 2 + 1) * Tolerance.halfRoundoff
        var tolerance = BatchNormTests.conditionalTolerance
        tolerance.absolute += intermediates
        // the intermediates' error relative to |y| ~ 1: ≤ (8.2·2⁻¹¹)², i.e. ~4e-6 at worst, ~u² typically
        tolerance.nmse = 1e-6
        for (shape, k): (Shape, Int) in [([2, 5, 7, 13], 148), ([1, 3, 3, 6], 20), ([3, 17], 5), ([1, 1], 1)] {
            let c = shape.channels
            let n = shape.batch
            let w = 1 / Float(k)
            let inputs = [
                rng.uniformTensor(shape, in: -2 ..< 2), rng.uniformTensor([n, k], in: -1 ..< 1),
                rng.uniformTensor([c], in: -0.5 ..< 0.5),
                rng.uniformTensor([c], in: 0.5 ..< 2), rng.uniformTensor([k, c], in: -w ..< w),
                rng.uniformTensor([k, c], in: -w ..< w),
            ]
            try expectHalfParity(inputs, tolerance.withHalfOutput(), "\(shape) K \(k) \(activation)") { b, t in
                let p = ConditionalBatchNormParameters(
                    mean: t[2], variance: t[3], gainWeight: t[4], biasWeight: t[5], epsilon: 1e-4)
                return try b.conditionalBatchNorm(t[0], condition: t[1], parameters: p, activation: activation)
            }
        }
    }

    /// ReLU, ReLU6 and negation return stored halves (exact); every other op keeps its fp32 tolerance (UnaryTests,
    /// computed from the rounded inputs both sides use) plus the output rounding.
    @Test(arguments: UnaryTests.ops)
    func unary(op: UnaryOp) throws {
        var rng = SeededRandom(seed: UInt64(UnaryTests.ops.firstIndex(of: op)!) + 81)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [1, 1]] {
            let x = UnaryTests.input(op, shape, &rng, halfStorage: true)
            let tolerance =
                [.relu, .relu6, .negate].contains(op)
                ? Tolerance.exact : UnaryTests.tolerance(op, input: x.roundedToHalf).withHalfOutput()
            try expectHalfParity([x], tolerance, "\(op) \(shape)") { b, t in try b.unary(t[0], op) }
        }
    }

    /// Maximum and minimum select a stored half (exact). The other fp32 results are exact against the reference,
    /// or for division within its ulps (BinaryTests), and only the output is rounded. Broadcasting reads the same
    /// stored halves.
    @Test(arguments: BinaryTests.ops)
    func binary(op: BinaryOp) throws {
        var rng = SeededRandom(seed: 91)
        let tolerance =
            [.maximum, .minimum].contains(op) ? Tolerance.exact : BinaryTests.tolerance(op).withHalfOutput()
        let pairs: [(Shape, Shape)] = [
            ([1, 7], [1, 7]), ([3, 5, 7, 3], [3, 5, 7, 3]), ([2, 9, 11, 13], [2, 9, 11, 13]),
        ]
        for (a, b) in pairs + BinaryTests.broadcastPairs(seed: 43) {
            try expectHalfParity(
                BinaryTests.operands(op, a, b, &rng), tolerance, "\(op) \(a) with \(b)"
            ) { b, t in
                try b.binary(t[0], t[1], op)
            }
        }
    }

    /// Layout moves and selections copy stored halves: exact.
    @Test func movesAreExact() throws {
        var rng = SeededRandom(seed: 101)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13]] {
            let x = rng.normalTensor(shape)
            let other = rng.normalTensor(Shape(shape.dims.dropLast() + [5]))
            try expectHalfParity([x], .exact, "crelu \(shape)") { b, t in try b.crelu(t[0]) }
            try expectHalfParity([x, other], .exact, "concat \(shape)") { b, t in try b.concatChannels(t[0], t[1]) }
            try expectHalfParity([x], .exact, "pad \(shape)") { b, t in try b.padChannels(t[0], before: 1, after: 2) }
            try expectHalfParity([x], .exact, "slice \(shape)") { b, t in
                try b.sliceChannels(t[0], start: 1, count: shape.channels - 1)
            }
        }
        for shape: Shape in [[1, 3, 5, 3], [2, 4, 4, 7]] {
            try expectHalfParity([rng.normalTensor(shape)], .exact, "upsample \(shape)") { b, t in
                try b.upsampleNearest2x(t[0])
            }
        }
    }

    /// Max pooling selects (exact); average pooling keeps its fp32 tolerance (Pool2DTests) plus the output rounding.
    @Test(arguments: Pool2DTests.configurations)
    func pool2d(options: Pool2DOptions) throws {
        var rng = SeededRandom(seed: 111 + UInt64(options.window * 10 + options.stride))
        let tolerance =
            options.kind == .max
            ? Tolerance.exact : Tolerance(absolute: 2e-6, relative: 0, nmse: 1e-12).withHalfOutput()
        for shape: Shape in [[1, 7, 5, 3], [2, 9, 9, 5], [3, 4, 6, 2]] {
            try expectHalfParity([rng.normalTensor(shape)], tolerance, "\(options) \(shape)") { b, t in
                try b.pool2d(t[0], options: options)
            }
        }
    }

    /// fp32 sums of ≤ H·W terms (GlobalAveragePoolTests' tolerance) plus the output rounding.
    @Test func globalAveragePool() throws {
        var rng = SeededRandom(seed: 121)
        for shape: Shape in [[1, 1, 1, 3], [1, 7, 5, 3], [3, 4, 9, 5], [2, 32, 32, 5]] {
            try expectHalfParity(
                [rng.uniformTensor(shape, in: 0 ..< 2)],
                Tolerance(absolute: 1e-7, relative: 1e-5, nmse: 1e-12).withHalfOutput(), "\(shape)"
            ) { b, t in
                try b.globalAveragePool(t[0])
            }
        }
    }

    /// Interpolation in fp32 (ResizeTests' tolerance) plus the output rounding.
    @Test(arguments: [ResizeMethod.bilinear, .bicubic])
    func resize(method: ResizeMethod) throws {
        var rng = SeededRandom(seed: 131 + UInt64(method.rawValue))
        for (shape, height, width) in [([1, 7, 5, 3], 13, 11), ([2, 9, 9, 5], 4, 4), ([3, 1, 6, 2], 3, 17)]
            as [(Shape, Int, Int)]
        {
            let options = ResizeOptions(height: height, width: width, method: method)
            try expectHalfParity(
                [rng.normalTensor(shape)], Tolerance(absolute: 1e-5, relative: 0, nmse: 1e-11).withHalfOutput(),
                "\(shape) → \(height)×\(width)"
            ) { b, t in
                try b.resize(t[0], options: options)
            }
        }
    }

    /// Max, sum and normalisation in fp32 (SoftmaxTests' tolerance); the output is rounded once (the shader
    /// recomputes exp rather than storing it in y between passes).
    @Test func softmax() throws {
        var rng = SeededRandom(seed: 141)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 3, 1024], [5]] {
            try expectHalfParity(
                [rng.normalTensor(shape, standardDeviation: 4)], SoftmaxTests.tolerance.withHalfOutput(), "\(shape)"
            ) { b, t in try b.softmax(t[0]) }
        }
    }

    /// Scores, online softmax and weighted sum in fp32 (AttentionTests' tolerance, computed from the rounded inputs
    /// both sides use) plus the output rounding.
    @Test(arguments: AttentionTests.cases)
    func attention(c: AttentionTests.Case) throws {
        var rng = SeededRandom(seed: UInt64(c.queries * 1000 + c.keys * 10 + c.depth) + 151)
        let inputs = c.inputs(&rng).map(\.roundedToHalf)
        try expectHalfParity(
            inputs, AttentionTests.tolerance(inputs[0], inputs[1], inputs[2]).withHalfOutput(), c.testDescription
        ) { b, t in
            try b.attention(query: t[0], key: t[1], value: t[2])
        }
    }
}

extension HostTensor {
    /// The values an fp16 backend stores for this tensor: each rounded to the nearest half, ties to even.
    var roundedToHalf: HostTensor { try! HostTensor(shape: shape, data: data.map { Float(Float16($0)) }) }
}

extension Tolerance {
    /// Unit roundoff of IEEE half (11 significant bits): round to nearest moves a value by ≤ 2⁻¹¹ ≈ 4.9e-4 of it.
    static let halfRoundoff: Float = 0x1p-11
    /// Below 2⁻¹⁴ halves are subnormal with spacing 2⁻²⁴, so rounding there moves a value by ≤ 2⁻²⁵ absolute.
    static let halfSubnormalError: Float = 0x1p-25

    /// This fp32 tolerance after one rounding of the device's result g to half: with c the reference,
    /// |round(g) − c| ≤ |g − c| + u·|g| + 2⁻²⁵ ≤ (1 + u)·|g − c| + u·|c| + 2⁻²⁵, and the NMSE's root grows the same way.
    func withHalfOutput() -> Tolerance {
        let u = Self.halfRoundoff
        let root = nmse.squareRoot() * (1 + Double(u)) + Double(u)
        return Tolerance(
            absolute: absolute * (1 + u) + Self.halfSubnormalError, relative: relative * (1 + u) + u, nmse: root * root)
    }
}

/// Runs `op` on the CPU reference with the inputs rounded to half and on an fp16 Vulkan backend with the inputs
/// as given (its upload rounds them), and compares, with the direct and the tiled conv and matmul kernels.
func expectHalfParity(
    _ inputs: [HostTensor], _ tolerance: Tolerance, _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation, _ op: (any Backend, [Tensor]) throws -> Tensor
) throws {
    let cpu = CPUBackend()
    let expected = try cpu.download(op(cpu, inputs.map { try cpu.upload($0.roundedToHalf) }))
    for kernel in [KernelChoice.direct, .tiledGEMM] {
        let gpu = try TestDevice.vulkan(precision: .fp16)
        gpu.kernelChoice = kernel
        let actual = try gpu.download(op(gpu, inputs.map { try gpu.upload($0) }))
        expectClose(actual, expected, tolerance, "\(context) \(kernel)", sourceLocation: sourceLocation)
    }
}
