import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("conv2d")
struct Conv2DTests {
    private func conv(
        _ x: HostTensor, _ w: HostTensor, bias: HostTensor? = nil, residual: HostTensor? = nil,
        _ options: Conv2DOptions
    ) throws -> HostTensor {
        let cpu = CPUBackend()
        return try cpu.download(
            cpu.conv2d(
                cpu.upload(x), weight: cpu.upload(w), bias: bias.map { try cpu.upload($0) },
                residual: residual.map { try cpu.upload($0) }, options: options))
    }

    /// x = 1…9 in a 3×3 image, kernel [[1,2],[3,4]].
    @Test func referenceValidAndSame() throws {
        let x = try HostTensor(shape: [1, 3, 3, 1], data: (1 ... 9).map(Float.init))
        let w = try HostTensor(shape: [2, 2, 1, 1], data: [1, 2, 3, 4])
        let valid = try conv(x, w, Conv2DOptions(padding: .valid))
        #expect(valid.shape == [1, 2, 2, 1] && valid.data == [37, 47, 67, 77])
        // SAME pads 1 pixel in total, all of it after (bottom/right), as TF does.
        let same = try conv(x, w, Conv2DOptions(padding: .same))
        #expect(same.shape == [1, 3, 3, 1] && same.data == [37, 47, 21, 67, 77, 33, 23, 26, 9])
    }

    /// Stride 2 with SAME on 4×4 with a 3×3 all-ones kernel: TF pads 0 before and 1 after, so the windows
    /// start at rows/columns 0 and 2 (symmetric padding would give other sums).
    @Test func referenceStride2AsymmetricSame() throws {
        let x = try HostTensor(shape: [1, 4, 4, 1], data: (1 ... 16).map(Float.init))
        let w = try HostTensor(shape: [3, 3, 1, 1], data: Array(repeating: 1, count: 9))
        let y = try conv(x, w, Conv2DOptions(stride: 2, padding: .same))
        #expect(y.shape == [1, 2, 2, 1] && y.data == [54, 45, 72, 54])
    }

    /// Two channels in and out, 1×1: y = relu(x·W + bias + residual) per pixel.
    @Test func referenceEpilogue() throws {
        let x = try HostTensor(shape: [1, 1, 2, 2], data: [1, 2, -1, 0.5])
        let w = try HostTensor(shape: [1, 1, 2, 2], data: [1, -1, 2, 3])  // [Cin, Cout] = [[1,-1],[2,3]]
        let bias = try HostTensor(shape: [2], data: [1, -20])
        let residual = try HostTensor(shape: [1, 1, 2, 2], data: [0.5, 1, -1, 30])
        let y = try conv(x, w, bias: bias, residual: residual, Conv2DOptions(activation: .relu))
        // x·W = [5, 5] and [0, 2.5]; + bias = [6, -15], [1, -17.5]; + residual = [6.5, -14], [0, 12.5].
        #expect(y.data == [6.5, 0, 0, 12.5])
    }

    /// Parity tolerance for a conv with K = kh·kw·Cin terms per output. Both sides accumulate in fp32 in
    /// different orders (CPU: bias first, then one running sum over K; GPU: bias last, BK-wide tiles, fused
    /// multiply-add where the driver fuses), so each output differs by a rounding walk of ~√K·ulp·Σ|x·w|
    /// (worst case K·ulp·Σ|x·w|). Inputs are N(0,1) and weights N(0,1/K), so outputs are O(1–3).
    /// Measured on lavapipe: max abs 1.9e-6 at K = 637 and 1.1e-5 at K = 864 (the BigGAN layer), NMSE ≤ 3.4e-13.
    /// We allow the worst-case 2·K·ulp absolute (2.4e-7·K: 1.5e-4 at K = 637, ≥ 18× the measured error),
    /// 1e-5 relative, and NMSE 1e-11 (30× margin).
    static func tolerance(k: Int) -> Tolerance {
        Tolerance(absolute: 2 * Float(k) * Float.ulpOfOne, relative: 1e-5, nmse: 1e-11)
    }

    /// Winograd's transforms add rounding that does not shrink with K (values scaled by up to 8 and 1/24 around the
    /// product, see `Conv2DWinogradTests`), so a convolution forced through Winograd below the narrowest layer the
    /// automatic choice gives it (16 channels in: K = 144) is held to that layer's bound. Measured on lavapipe:
    /// max abs 1.7e-5 at K = 45, above that K's own bound of 1.1e-5.
    static func winogradTolerance(k: Int) -> Tolerance { tolerance(k: max(k, 144)) }

    struct Case: CustomTestStringConvertible, Sendable {
        var input: Shape, kernel: Int
        var kernelW: Int? = nil
        var cout: Int
        var stride = 1, padding = Padding.same
        var bias = false, residual = false, relu = false, upsample = false
        var testDescription: String {
            "\(input)\(upsample ? " up2" : "") k\(kernel)×\(kernelW ?? kernel) s\(stride) \(padding) →\(cout)\(bias ? " +b" : "")\(residual ? " +r" : "")\(relu ? " relu" : "")"
        }
    }

    static let cases: [Case] = [
        Case(input: [1, 7, 5, 3], kernel: 3, cout: 5, bias: true, relu: true),
        Case(input: [3, 7, 5, 5], kernel: 3, cout: 13, padding: .valid, residual: true),
        Case(input: [3, 13, 11, 13], kernel: 7, cout: 5, stride: 2, bias: true, residual: true, relu: true),
        Case(input: [1, 9, 8, 3], kernel: 1, cout: 3),
        Case(input: [2, 8, 9, 16], kernel: 3, cout: 70, stride: 2, padding: .valid, bias: true),
        Case(input: [1, 17, 19, 24], kernel: 3, cout: 64, residual: true, relu: true),
        Case(input: [2, 10, 11, 6], kernel: 2, kernelW: 3, cout: 7, stride: 3, bias: true),
        Case(input: [1, 3, 3, 4], kernel: 5, cout: 2, bias: true),  // kernel larger than the image
        // 11 output columns: a partial pixel segment
        Case(input: [2, 6, 21, 5], kernel: 3, cout: 12, stride: 2, bias: true, residual: true),
        Case(input: [1, 4, 4, 8], kernel: 5, cout: 4, relu: true),
        // GBlock's conv0
        Case(input: [2, 5, 7, 6], kernel: 3, cout: 8, bias: true, residual: true, relu: true, upsample: true),
        Case(input: [1, 4, 3, 5], kernel: 3, cout: 6, stride: 2, padding: .valid, upsample: true),
        // Cin and Cout multiples of 4: the tiled kernel's vec4 loads and stores (A_VEC4, B_VEC4, C_VEC4).
        Case(input: [2, 9, 7, 8], kernel: 3, cout: 12, bias: true, residual: true, relu: true, upsample: true),
        Case(input: [2, 17, 15, 4], kernel: 7, cout: 8, stride: 2, bias: true, relu: true),  // ResNet stem shape
        Case(input: [2, 9, 9, 16], kernel: 1, cout: 32, stride: 2, residual: true),  // projection shortcut
        Case(input: [1, 6, 5, 12], kernel: 1, cout: 20, bias: true, relu: true),
        // ≥ 129 pixels and channels: 128-wide tiles with 8×8 micro-tiles where the device has few compute units
        // (lavapipe), 64-wide ones where it has many.
        Case(input: [2, 16, 16, 8], kernel: 3, cout: 136, bias: true, relu: true),
        Case(input: [1, 15, 20, 5], kernel: 3, cout: 130, residual: true),
    ]

    /// The kernel configurations every parity case runs with: each convolution kernel, and Winograd (for the
    /// stride-1 3×3 cases) with each product kernel.
    static let kernels: [Kernels] = [
        Kernels(conv: .tiledGEMM, winograd: .never), Kernels(conv: .direct, winograd: .never),
        Kernels(conv: .direct, winograd: .always), Kernels(conv: .tiledGEMM, winograd: .always),
    ]

    struct Kernels: CustomStringConvertible, Sendable {
        var conv: KernelChoice, winograd: WinogradChoice
        var description: String { "\(conv)\(winograd == .always ? " winograd" : "")" }
        func configure(_ backend: VulkanBackend) {
            backend.kernelChoice = conv
            backend.winogradChoice = winograd
        }
    }

    /// Vulkan against the reference over odd sizes, channel counts that are not multiples of 4 or of the tile,
    /// batch 1 and 3, and every combination of the epilogue terms, with each convolution kernel (both read as
    /// vec4s where Cin or Cout % 4 == 0 and as floats otherwise).
    @Test(arguments: cases, kernels)
    func parity(c: Case, kernel: Kernels) throws {
        let tolerance = kernel.winograd == .always ? Self.winogradTolerance(k: c.k) : Self.tolerance(k: c.k)
        try expectParity(
            c.inputs(seed: UInt64(c.input.count * 31 + c.cout)), tolerance, "\(c.testDescription) \(kernel)",
            configure: kernel.configure, c.apply)
    }

    /// Fused input upsampling is exactly conv(upsampleNearest2x(x)) on both backends: the same products in the
    /// same order, so the results must be identical.
    @Test(arguments: kernels)
    func fusedUpsamplingEqualsExplicitUpsampling(kernel: Kernels) throws {
        var rng = SeededRandom(seed: 8)
        let x = rng.normalTensor([2, 5, 6, 7])
        let w = rng.normalTensor([3, 3, 7, 12], standardDeviation: 0.2)
        let b = rng.normalTensor([12])
        let gpu = try TestDevice.vulkan()
        kernel.configure(gpu)
        for backend: any Backend in [CPUBackend(), gpu] {
            let (xt, wt, bt) = (try backend.upload(x), try backend.upload(w), try backend.upload(b))
            let fused = try backend.download(
                backend.conv2d(xt, weight: wt, bias: bt, residual: nil, options: Conv2DOptions(inputUpsampling: 2)))
            let explicit = try backend.download(
                backend.conv2d(
                    backend.upsampleNearest2x(xt), weight: wt, bias: bt, residual: nil, options: Conv2DOptions()))
            #expect(fused.shape == [2, 10, 12, 12])
            expectClose(fused, explicit, .exact, "\(backend.name) \(kernel)")
        }
        #expect(throws: TensorError.self) {
            _ = try Conv2D.geometry(
                input: [1, 4, 4, 3], weight: [3, 3, 3, 4], bias: nil, residual: nil,
                options: Conv2DOptions(inputUpsampling: 3))
        }
    }

    /// A 1×1 convolution is a matmul of the pixels by the [Cin, Cout] weight.
    @Test func pointwiseConvIsMatMul() throws {
        var rng = SeededRandom(seed: 7)
        let x = rng.normalTensor([2, 5, 7, 13])
        let w = rng.normalTensor([1, 1, 13, 6], standardDeviation: 0.3)
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let (xt, wt) = (try backend.upload(x), try backend.upload(w))
            let conv = try backend.download(
                backend.conv2d(xt, weight: wt, bias: nil, residual: nil, options: Conv2DOptions()))
            let product = try backend.matmul(
                xt.reshaped([70, 13]), wt.reshaped([13, 6]), bias: nil, options: MatMulOptions())
            expectClose(
                conv, try HostTensor(shape: [2, 5, 7, 6], data: backend.values(product)), Self.tolerance(k: 13),
                backend.name)
        }
    }

    /// More output pixels than 65535 row tiles hold: the dispatch is split by batch. A 1×1 conv with one
    /// channel is y = 2x + 1, exact on small integers, so the check needs no (slow, in debug) reference.
    @Test func batchSplitForWorkgroupLimit() throws {
        let shape: Shape = [2, 1536, 1400, 1]
        let x = try HostTensor(shape: shape, data: (0 ..< shape.count).map { Float($0 % 1999) - 999 })
        let gpu = try TestDevice.vulkan()
        let y = try gpu.conv2d(
            gpu.upload(x), weight: gpu.upload(HostTensor(shape: [1, 1, 1, 1], data: [2])),
            bias: gpu.upload(HostTensor(shape: [1], data: [1])), residual: nil, options: Conv2DOptions())
        expectClose(
            try gpu.download(y), try HostTensor(shape: shape, data: x.data.map { 2 * $0 + 1 }), .exact, "2x + 1")
    }

    /// A BigGAN-size layer (release builds only: the debug reference is too slow), with timings.
    @Test(.enabled(if: isReleaseBuild)) func bigGANLayer() throws {
        var rng = SeededRandom(seed: 5)
        let x = rng.normalTensor([1, 128, 128, 96])
        let w = rng.normalTensor([3, 3, 96, 96], standardDeviation: 1 / Float(864).squareRoot())
        let b = rng.normalTensor([96])
        let r = rng.normalTensor([1, 128, 128, 96])
        let cpu = CPUBackend()
        let gpu = try TestDevice.vulkan()
        var results: [HostTensor] = []
        for backend: any Backend in [cpu, gpu] {
            let t = try [x, w, b, r].map { try backend.upload($0) }
            try backend.synchronize()
            let start = Date()
            let y = try backend.conv2d(
                t[0], weight: t[1], bias: t[2], residual: t[3], options: Conv2DOptions(activation: .relu))
            try backend.synchronize()
            let seconds = Date().timeIntervalSince(start)
            print(
                "conv2d 1×128×128×96→96 3×3 on \(backend.name): \(String(format: "%.3f", seconds)) s, \(String(format: "%.1f", 2 * 16384 * 96 * 864 / seconds / 1e9)) GFLOP/s"
            )
            results.append(try backend.download(y))
        }
        expectClose(results[1], results[0], Self.tolerance(k: 864))
    }

    @Test func rejectsBadArguments() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let x = try backend.upload(HostTensor(zeros: [1, 4, 4, 3]))
            func expectError(
                _ weight: Shape, bias: Shape? = nil, residual: Shape? = nil, _ options: Conv2DOptions = Conv2DOptions()
            ) throws {
                let w = try backend.upload(HostTensor(zeros: weight))
                let b = try bias.map { try backend.upload(HostTensor(zeros: $0)) }
                let r = try residual.map { try backend.upload(HostTensor(zeros: $0)) }
                #expect(
                    throws: TensorError.self,
                    "\(weight) \(String(describing: bias)) \(String(describing: residual)) \(options)"
                ) {
                    try backend.conv2d(x, weight: w, bias: b, residual: r, options: options)
                }
            }
            try expectError([3, 3, 4, 8])  // Cin mismatch
            try expectError([3, 3, 3])  // weight rank
            try expectError([3, 3, 3, 8], bias: [7])  // bias length
            try expectError([3, 3, 3, 8], residual: [1, 4, 4, 7])  // residual shape
            try expectError([3, 3, 3, 8], residual: [1, 2, 2, 8])  // residual of the stride-2 shape
            try expectError([3, 3, 3, 8], Conv2DOptions(stride: 0))  // stride
            try expectError([5, 5, 3, 8], Conv2DOptions(padding: .valid))  // kernel larger than input
            let image = try backend.upload(HostTensor(zeros: [4, 4, 3]))
            let w = try backend.upload(HostTensor(zeros: [3, 3, 3, 8]))
            #expect(throws: TensorError.self) {
                try backend.conv2d(image, weight: w, bias: nil, residual: nil, options: Conv2DOptions())
            }
            let foreign = try CPUBackend().upload(HostTensor(zeros: [3, 3, 3, 8]))
            #expect(throws: TensorError.self) {
                try backend.conv2d(x, weight: foreign, bias: nil, residual: nil, options: Conv2DOptions())
            }
        }
    }
}

#if DEBUG
    let isReleaseBuild = false
#else
    let isReleaseBuild = true
#endif

extension Conv2DTests.Case {
    /// Terms summed per output: kh·kw·Cin.
    var k: Int { kernel * (kernelW ?? kernel) * input[3] }

    var options: Conv2DOptions {
        Conv2DOptions(
            stride: stride, padding: padding, activation: relu ? .relu : .none, inputUpsampling: upsample ? 2 : 1)
    }

    /// x ~ N(0, 1) and w ~ N(0, 1/K), then the bias and the residual when the case has them.
    func inputs(seed: UInt64) throws -> [HostTensor] {
        var rng = SeededRandom(seed: seed)
        let weight: Shape = [kernel, kernelW ?? kernel, input[3], cout]
        let out = try Conv2D.geometry(input: input, weight: weight, bias: nil, residual: nil, options: options)
            .outputShape
        var tensors = [rng.normalTensor(input), rng.normalTensor(weight, standardDeviation: 1 / Float(k).squareRoot())]
        if bias { tensors.append(rng.normalTensor([cout], standardDeviation: 0.5)) }
        if residual { tensors.append(rng.normalTensor(out)) }
        return tensors
    }

    /// The case's convolution of tensors made from `inputs`.
    func apply(_ b: any Backend, _ t: [Tensor]) throws -> Tensor {
        try b.conv2d(
            t[0], weight: t[1], bias: bias ? t[2] : nil, residual: residual ? t[bias ? 3 : 2] : nil, options: options)
    }
}
