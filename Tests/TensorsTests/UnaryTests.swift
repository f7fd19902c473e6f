import Foundation
import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

@Suite("unary")
struct UnaryTests {
    /// Every op; leaky ReLU with two alphas, so that a wrong parameter in the shader shows.
    static let ops: [UnaryOp] = [
        .relu, .tanh, .softplus, .negate, .square, .sqrt, .rsqrt, .exp, .log, .sigmoid, .relu6,
        .leakyRelu(alpha: 0.2), .leakyRelu(alpha: 0.01), .elu, .truncate, .round, .floor, .ceil, .abs, .sign,
        .reciprocal,
    ]

    /// The ops whose result is an integer, a magnitude or a sign of the input: exact on both backends and with fp16
    /// storage (every integer a half's value rounds to is a half).
    static let exactOnHalves: [UnaryOp] = [.truncate, .round, .floor, .ceil, .abs, .sign]

    /// The reference against hand-computed values.
    @Test func referenceValues() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 5], data: [-1, 0, 0.5, 20, -20]))
        #expect(try cpu.values(cpu.unary(x, .relu)) == [0, 0, 0.5, 20, 0])
        let t = try cpu.values(cpu.unary(x, .tanh))
        #expect(abs(t[2] - 0.46211716) < 1e-7 && t[3] == 1 && t[4] == -1 && t[1] == 0)
        let s = try cpu.values(cpu.unary(x, .softplus))
        #expect(abs(s[1] - 0.69314718) < 1e-7)  // ln 2
        #expect(abs(s[0] - 0.31326169) < 1e-7)  // ln(1 + e⁻¹)
        #expect(s[3] == 20)  // 20 + ln(1 + e⁻²⁰) rounds to 20 in fp32
        #expect(abs(s[4] - 2.0611537e-9) < 1e-15)  // e⁻²⁰ to first order, no underflow to 0
    }

    /// The new ops against hand-computed values, each within an ulp or exact.
    @Test func moreReferenceValues() throws {
        func apply(_ op: UnaryOp, _ inputs: [Float]) throws -> [Float] {
            let cpu = CPUBackend()
            return try cpu.values(cpu.unary(cpu.upload(HostTensor(shape: [inputs.count], data: inputs)), op))
        }
        func close(_ actual: [Float], _ expected: [Float]) -> Bool {
            zip(actual, expected).allSatisfy { abs($0 - $1) <= Tolerance.ulp * abs($1) }
        }
        #expect(try apply(.negate, [-2, 0.5, 0]) == [2, -0.5, 0])
        #expect(try apply(.square, [-3, 0.5, 1e20]) == [9, 0.25, .infinity])  // 1e40 overflows fp32
        #expect(try close(apply(.sqrt, [4, 2, 1e-6]), [2, 1.4142135, 1e-3]))
        #expect(try close(apply(.rsqrt, [4, 0.25, 2]), [0.5, 2, 0.70710677]))
        #expect(try close(apply(.exp, [0, 1, -1, 20]), [1, 2.7182817, 0.36787945, 4.8516520e8]))
        #expect(try close(apply(.log, [1, 2.7182817, 0.5, 1e10]), [0, 0.99999994, -0.6931472, 23.02585]))
        #expect(try close(apply(.sigmoid, [0, 2, -2, 20]), [0.5, 0.8807971, 0.11920292, 1]))
        #expect(try apply(.sigmoid, [-100])[0] > 0, "e⁻¹⁰⁰ ≈ 3.7e-44: a subnormal, not 0")
        #expect(try apply(.relu6, [-1, 3, 6, 7.5]) == [0, 3, 6, 6])
        #expect(try apply(.leakyRelu(alpha: 0.2), [-2, 0, 3]) == [-0.4, 0, 3])
        #expect(try apply(.leakyRelu(alpha: -0.5), [-2, 3]) == [1, 3], "any alpha, as in TensorFlow")
        #expect(try close(apply(.elu, [-1, 0, 2, -100]), [-0.63212055, 0, 2, -1]))
        #expect(try close(apply(.elu, [-1e-8]), [-1e-8]), "expm1: no cancellation for tiny |x|")
        let ties: [Float] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.2, 0.49999997, 8_388_607.5, -8_388_609, 1e30]
        #expect(
            try apply(.truncate, ties) == [-2, -1, -0.0, 0, 1, 2, -1, 1, 0, 8_388_607, -8_388_609, 1e30])
        #expect(try apply(.round, ties) == [-2, -2, -0.0, 0, 2, 2, -2, 1, 0, 8_388_608, -8_388_609, 1e30])
        #expect(try apply(.floor, ties) == [-3, -2, -1, 0, 1, 2, -2, 1, 0, 8_388_607, -8_388_609, 1e30])
        #expect(try apply(.ceil, ties) == [-2, -1, -0.0, 1, 2, 3, -1, 2, 1, 8_388_608, -8_388_609, 1e30])
        #expect(try apply(.abs, [-2.5, 0, 3, -.infinity]) == [2.5, 0, 3, .infinity])
        let signs = try apply(.sign, [-2.5, 0, -0.0, 1e-30, .infinity, -.infinity])
        #expect(signs == [-1, 0, 0, 1, 1, -1] && signs[2].sign == .minus, "sign(−0) is −0, as the shader gives")
        #expect(try apply(.reciprocal, [4, -0.5, 3]) == [0.25, -2, 1 / Float(3)])
    }

    /// Out of the domain, the reference gives IEEE 754 (and TensorFlow's) results; NaN stays NaN in every op.
    @Test func referenceOutOfDomain() throws {
        let cpu = CPUBackend()
        func apply(_ op: UnaryOp, _ inputs: [Float]) throws -> [Float] {
            try cpu.values(cpu.unary(cpu.upload(HostTensor(shape: [inputs.count], data: inputs)), op))
        }
        let sqrt = try apply(.sqrt, [-1, 0, -0.0, .infinity])
        #expect(sqrt[0].isNaN && sqrt[1] == 0 && sqrt[2] == 0 && sqrt[2].sign == .minus && sqrt[3] == .infinity)
        let rsqrt = try apply(.rsqrt, [-4, 0, -0.0, .infinity])
        #expect(rsqrt[0].isNaN && rsqrt[1] == .infinity && rsqrt[2] == -.infinity && rsqrt[3] == 0)
        let log = try apply(.log, [-1, 0, -0.0, .infinity])
        #expect(log[0].isNaN && log[1] == -.infinity && log[2] == -.infinity && log[3] == .infinity)
        #expect(try apply(.exp, [89, -.infinity]) == [.infinity, 0])  // e⁸⁹ > the largest fp32, 3.4e38
        #expect(try apply(.sigmoid, [.infinity, -.infinity]) == [1, 0])
        #expect(try apply(.elu, [-.infinity]) == [-1])
        let reciprocal = try apply(.reciprocal, [0, -0.0, .infinity, -.infinity])
        #expect(reciprocal == [.infinity, -.infinity, 0, 0] && reciprocal[3].sign == .minus)
        for op: UnaryOp in [.truncate, .round, .floor, .ceil] {
            #expect(try apply(op, [.infinity, -.infinity]) == [.infinity, -.infinity], "\(op)")
        }
        for op in Self.ops {
            #expect(try apply(op, [.nan])[0].isNaN, "\(op)")
        }
    }

    /// Inputs inside each op's domain, away from the subnormal results Vulkan may flush to zero. log, sqrt and
    /// rsqrt get log-uniform positives; `halfStorage` narrows them and exp's inputs so that inputs and results stay
    /// in half's normal range (e⁻⁹ ≈ 1.2e-4 > 6.1e-5, e¹¹ ≈ 59874 < 65504).
    static func input(_ op: UnaryOp, _ shape: Shape, _ rng: inout SeededRandom, halfStorage: Bool = false)
        -> HostTensor
    {
        switch op {
        case .sqrt, .rsqrt, .log:
            var t = rng.uniformTensor(shape, in: halfStorage ? -9 ..< 11 : -20 ..< 20)
            t.data = t.data.map { Foundation.exp($0) }
            return t
        case .exp: return rng.uniformTensor(shape, in: halfStorage ? -9 ..< 11 : -20 ..< 20)
        case .sigmoid: return rng.uniformTensor(shape, in: -20 ..< 20)
        case .reciprocal:
            // ±e^u: 1/x stays normal (in half, e^±9 ≈ 8103 and 1.2e-4), and far inside division's precise range
            var t = rng.uniformTensor(shape, in: halfStorage ? -9 ..< 9 : -20 ..< 20)
            t.data = t.data.map { Foundation.exp($0) * (rng.next() % 2 == 0 ? 1 : -1) }
            return t
        case .truncate, .round, .floor, .ceil:
            // every third value a multiple of ½: integers and the ties that round to even
            var t = rng.normalTensor(shape, standardDeviation: 6)
            for i in stride(from: 0, to: t.data.count, by: 3) { t.data[i] = (2 * t.data[i]).rounded() / 2 }
            return t
        default: return rng.normalTensor(shape, standardDeviation: 6)
        }
    }

    /// Vulkan against the reference for `input`, from the Vulkan specification's precision bounds (table
    /// "Precision and Operation of SPIR-V Instructions": exp 3 + 2·|x| ulp, log 3 ulp outside [0.5, 2] and 2⁻²¹
    /// absolute inside, inversesqrt 2 ulp, sqrt inherited from 1/inversesqrt, division 2.5 ulp, + − × correctly
    /// rounded) and the reference's half ulp.
    static func tolerance(_ op: UnaryOp, input: HostTensor) -> Tolerance {
        let x = input.data.map(abs).max() ?? 0
        switch op {
        case .relu, .negate, .relu6, .leakyRelu, .square:
            // a selection, a sign flip or one correctly rounded product, the same on both sides
            return .exact
        case .truncate, .round, .floor, .ceil, .abs, .sign:
            // trunc, roundEven, floor, ceil, abs and the sign's comparisons are exact in Vulkan's precision table
            return .exact
        case .reciprocal: return .ulps(2.5)  // 1.0 / x: division's 2.5 ulp
        case .tanh, .softplus:
            // tanh, exp and log within a few ulp: 1e-6 absolute + 1e-5 relative covers them with room
            return Tolerance(absolute: 1e-6, relative: 1e-5, nmse: 1e-10)
        case .rsqrt: return .ulps(2)
        case .sqrt: return .ulps(2 + 2.5)  // 1 / inversesqrt(x)
        case .exp: return .ulps(3 + 2 * x)
        case .log:
            var tolerance = Tolerance.ulps(3)
            tolerance.absolute = 0x1p-21
            return tolerance.withImpliedNMSE(for: input.data.map(op.apply))
        case .sigmoid:
            // e = exp(−|x|) is within 3 + 2|x| ulp; s = 1/(1 + e) adds ½ (sum) + 2.5 (division) and carries e's error
            // times e/(1 + e) ≤ ½; x < 0 returns e·s: ½ more, plus the errors of e and s: 8 + 3|x| in all
            return .ulps(8 + 3 * x)
        case .elu:
            // x < 0: eˣ − 1 where exp's (3 + 2|x|)·ulp(eˣ) is largest at x = 0, 3·2⁻²³; the subtraction and the
            // reference each round by ≤ 2⁻²⁴ (|result| < 1): 2⁻²¹ absolute; x ≥ 0 passes through exactly
            return Tolerance(absolute: 0x1p-21, relative: 0, nmse: 0).withImpliedNMSE(for: input.data.map(op.apply))
        }
    }

    @Test(arguments: UnaryTests.ops)
    func parity(op: UnaryOp) throws {
        var rng = SeededRandom(seed: UInt64(Self.ops.firstIndex(of: op)!) + 1)
        for shape: Shape in [[1, 7], [3, 5, 7, 3], [2, 9, 11, 13], [1, 1]] {
            let x = Self.input(op, shape, &rng)
            try expectParity([x], Self.tolerance(op, input: x), "\(op) \(shape)") { b, t in try b.unary(t[0], op) }
        }
    }

    /// Out-of-domain inputs on the device give the reference's NaNs and infinities: the shader answers them
    /// explicitly, and the test device keeps NaN and infinities. (Vulkan promises that only under the
    /// SignedZeroInfNanPreserve execution mode, which these shaders do not declare; a driver that drops them fails
    /// here, which a graph feeding such values needs to know. Signs of zeros are not checked for the same reason.)
    @Test func outOfDomainOnDevice() throws {
        let gpu = try TestDevice.vulkan()
        let cases: [(UnaryOp, [Float])] = [
            (.sqrt, [-1, 0, .nan]), (.rsqrt, [-4, 0, .nan]), (.log, [-1, 0, .nan]), (.exp, [89, -.infinity]),
            (.sigmoid, [.infinity, -.infinity, .nan]), (.elu, [-.infinity]),
            (.reciprocal, [0, -0.0, .infinity, -.infinity, .nan]), (.sign, [.nan, 0, .infinity, -.infinity]),
            (.truncate, [.infinity, -.infinity, .nan]), (.round, [.infinity, -.infinity, .nan]),
            (.floor, [.infinity, -.infinity, .nan]), (.ceil, [.infinity, -.infinity, .nan]),
            (.abs, [.nan, -.infinity]),
        ]
        for (op, inputs) in cases {
            let x = try HostTensor(shape: [inputs.count], data: inputs)
            let actual = try gpu.values(gpu.unary(gpu.upload(x), op))
            let expected = inputs.map(op.apply)
            #expect(
                zip(actual, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                "\(op) of \(inputs): \(actual), expected \(expected)")
        }
    }

    /// Ties, values just below ½ and integers beyond 2²³ round on the device as in the reference (half to even for
    /// round), and with fp16 storage the integer, magnitude and sign ops stay exact, since all their results from
    /// halves are halves (HalfStorageTests checks them with the looser tolerance of computed ops).
    @Test(arguments: UnaryTests.exactOnHalves)
    func roundingOnDevice(op: UnaryOp) throws {
        let ties: [Float] = [
            -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -1.7, 1.2, 0.49999997, 8_388_607.5, -8_388_609, 1e30,
        ]
        try expectParity([HostTensor(shape: [ties.count], data: ties)], .exact, "\(op) of \(ties)") { b, t in
            try b.unary(t[0], op)
        }
        var rng = SeededRandom(seed: UInt64(Self.ops.firstIndex(of: op)!) + 61)
        let halves: [Float] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1023.5, -2047.5, 4097, 65504, -65504]
        for x in [
            try HostTensor(shape: [halves.count], data: halves), Self.input(op, [3, 5, 7, 3], &rng, halfStorage: true),
        ] {
            try expectHalfParity([x], .exact, "\(op) of \(x.shape) with fp16 storage") { b, t in try b.unary(t[0], op) }
        }
    }

    /// More elements than 65535 workgroups × 256 invocations: the grid-stride loop must cover them all.
    /// (A grid folded into y rows gave wrong results here on lavapipe 22.3.)
    @Test func largeLaunchCoversEveryElement() throws {
        let x = try HostTensor(shape: [1, 17_000_000], data: (0 ..< 17_000_000).map { Float($0 % 1001) - 500 })
        try expectParity([x], .exact, "relu 17M") { b, t in try b.unary(t[0], .relu) }
    }

    /// 3 × 48 MB exceeds lavapipe's 128 MiB maxStorageBufferRange, so the dispatch is split by batch.
    @Test func tensorLargerThanBindingRangeIsSplit() throws {
        let x = try HostTensor(shape: [3, 12_000_000], data: (0 ..< 36_000_000).map { Float($0 % 997) - 498 })
        try expectParity([x], .exact, "relu 3×12M") { b, t in try b.unary(t[0], .relu) }
    }

    @Test func rejectsForeignTensor() throws {
        let cpu = CPUBackend()
        let other = CPUBackend()
        let x = try other.upload(HostTensor(zeros: [1, 2]))
        #expect(throws: TensorError.self) { try cpu.unary(x, .relu) }
    }
}

/// Uploads and downloads through staging buffers, the path GPUs with unmappable device memory take.
@Suite("staging transfers")
struct StagingTransferTests {
    @Test func roundTripAndOpsThroughStaging() throws {
        var rng = SeededRandom(seed: 77)
        let x = rng.normalTensor([3, 5, 7, 2])
        var options = VulkanBackend.Options()
        options.alwaysStage = true
        let gpu = try TestDevice.vulkan(options)
        let t = try gpu.upload(x)
        #expect(try gpu.download(t) == x)
        let y = try gpu.download(gpu.unary(gpu.upload(x), .relu))
        #expect(y.data == x.data.map { max($0, 0) })
        let (a, b) = (try gpu.upload(x), try gpu.unary(gpu.upload(x), .relu))
        let submissions = gpu.resourceCounters.submissions
        #expect(try gpu.download([a, b]) == [x, y])
        #expect(gpu.resourceCounters.submissions == submissions + 1, "several tensors come back with one submission")
        #expect(try gpu.download(gpu.upload(HostTensor(zeros: [0, 4]))).shape == [0, 4])
        let mapped = try TestDevice.vulkan()
        #expect(
            try mapped.download(mapped.upload(HostTensor(zeros: [0, 4]))).shape == [0, 4],
            "empty tensors on the mapped path too")
    }
}
