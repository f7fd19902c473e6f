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

    /// Dilation 2 of a 2×2 kernel [[1,2],[3,4]] over x = 1…25 in a 5×5 image, VALID: output (i, j) reads
    /// x[i][j], x[i][j+2], x[i+2][j], x[i+2][j+2] with x[r][c] = 5r + c + 1, so y = 10·(5i + j) + 92.
    @Test func referenceDilationByHand() throws {
        let x = try HostTensor(shape: [1, 5, 5, 1], data: (1 ... 25).map(Float.init))
        let w = try HostTensor(shape: [2, 2, 1, 1], data: [1, 2, 3, 4])
        let y = try conv(x, w, Conv2DOptions(padding: .valid, dilation: 2))
        #expect(y.shape == [1, 3, 3, 1] && y.data == [92, 102, 112, 142, 152, 162, 192, 202, 212])
        // SAME: extent 3, one pixel of padding on each side; the corner (0, 0) keeps only tap (1, 1) on x[1][1] = 7.
        let same = try conv(x, w, Conv2DOptions(padding: .same, dilation: 2))
        #expect(same.shape == [1, 5, 5, 1] && same.data[0] == 4 * 7)
    }

    /// Output sizes and leading padding as TensorFlow's `GetWindowedOutputSizeVerbose` gives them, with the
    /// extent (k − 1)·d + 1: 7 pixels, k = 3, d = 2 (extent 5), stride 2: SAME → 4 outputs, padding 3·2 + 5 − 7 = 4,
    /// 2 before; VALID → (7 − 5)/2 + 1 = 2; EXPLICIT 3 before, 1 after → (11 − 5)/2 + 1 = 4 with 3 before.
    @Test func dilatedAndExplicitOutputSizes() throws {
        func geometry(_ padding: Padding, dilation: Int = 2) throws -> Conv2D.Geometry {
            try Conv2D.geometry(
                input: [1, 7, 9, 2], weight: [3, 3, 2, 1], bias: nil, residual: nil,
                options: Conv2DOptions(stride: 2, padding: padding, dilation: dilation))
        }
        let same = try geometry(.same)
        #expect((same.ho, same.padTop, same.wo, same.padLeft) == (4, 2, 5, 2))  // width: 4·2 + 5 − 9 = 4
        let valid = try geometry(.valid)
        #expect((valid.ho, valid.wo, valid.padTop, valid.padLeft) == (2, 3, 0, 0))
        let explicit = try geometry(.explicit(top: 3, bottom: 1, left: 0, right: 6))
        #expect((explicit.ho, explicit.padTop, explicit.wo, explicit.padLeft) == (4, 3, 6, 0))  // (9 + 6 − 5)/2 + 1
        #expect(explicit.dilation == 2 && explicit.kh == 3)
    }

    /// A convolution dilated by d equals the undilated convolution with the kernel zero-stuffed to (k − 1)·d + 1
    /// taps per axis (d − 1 zeros between neighbours), on the CPU reference. The stuffed sums add the same products in
    /// the same order plus exact zeros, so the two are identical.
    @Test(arguments: [2, 3])
    func dilationEqualsZeroStuffedKernel(dilation: Int) throws {
        var rng = SeededRandom(seed: UInt64(40 + dilation))
        let x = rng.normalTensor([2, 13, 11, 3])
        for (kh, kw) in [(3, 3), (2, 3), (1, 2)] {
            let w = rng.normalTensor([kh, kw, 3, 4])
            let stuffed = try Self.zeroStuffed(w, dilation: dilation)
            let bias = rng.normalTensor([4])
            for padding in [Padding.same, .valid, .explicit(top: 1, bottom: 4, left: 0, right: 2)] {
                for stride in [1, 2] {
                    let dilated = try conv(
                        x, w, bias: bias, Conv2DOptions(stride: stride, padding: padding, dilation: dilation))
                    let dense = try conv(x, stuffed, bias: bias, Conv2DOptions(stride: stride, padding: padding))
                    expectClose(dilated, dense, .exact, "k \(kh)×\(kw) d \(dilation) s \(stride) \(padding)")
                }
            }
        }
    }

    /// Explicit padding equals zero padding done by hand on the host followed by VALID, on the CPU reference: the
    /// same products in the same order, the padded ones exact zeros. Asymmetric amounts, amounts wider than the
    /// kernel, with stride, dilation and fused upsampling (padding the upsampled image).
    @Test func explicitPaddingEqualsPadThenValid() throws {
        var rng = SeededRandom(seed: 44)
        let x = rng.normalTensor([2, 8, 7, 3])
        let w = rng.normalTensor([3, 2, 3, 5])
        let cpu = CPUBackend()
        let upsampled = try cpu.download(cpu.upsampleNearest2x(cpu.upload(x)))
        let pads = [(0, 0, 0, 0), (2, 0, 1, 3), (0, 5, 4, 0), (1, 1, 1, 1)]
        for (top, bottom, left, right) in pads {
            for (stride, dilation, upsample) in [
                (1, 1, false), (2, 1, false), (1, 2, false), (3, 3, false), (1, 1, true),
            ] {
                let padding = Padding.explicit(top: top, bottom: bottom, left: left, right: right)
                let options = Conv2DOptions(
                    stride: stride, padding: padding, dilation: dilation, inputUpsampling: upsample ? 2 : 1)
                let explicit = try conv(x, w, options)
                let padded = try Self.zeroPadded(
                    upsample ? upsampled : x, top: top, bottom: bottom, left: left, right: right)
                let valid = try conv(padded, w, Conv2DOptions(stride: stride, padding: .valid, dilation: dilation))
                expectClose(explicit, valid, .exact, "\(padding) s \(stride) d \(dilation) up \(upsample)")
            }
        }
    }

    /// Winograd takes explicit padding (its input transform reads zeros wherever the padding puts a tap) but not
    /// dilation, which runs on the convolution kernels.
    @Test func winogradTakesExplicitPaddingButNotDilation() throws {
        var rng = SeededRandom(seed: 45)
        let x = rng.normalTensor([1, 8, 8, 16])
        let w = rng.normalTensor([3, 3, 16, 16], standardDeviation: 0.1)
        let gpu = try TestDevice.vulkan(.init(timing: true))
        gpu.winogradChoice = .automatic
        let cpu = CPUBackend()
        for (padding, dilation) in [(Padding.explicit(top: 0, bottom: 3, left: 2, right: 1), 1), (.same, 2)] {
            let options = Conv2DOptions(padding: padding, dilation: dilation)
            let y = try gpu.download(
                gpu.conv2d(gpu.upload(x), weight: gpu.upload(w), bias: nil, residual: nil, options: options))
            let winograd = gpu.lastTimings.contains { $0.label.hasPrefix("conv2d_winograd") }
            #expect(winograd == (dilation == 1), "\(padding) d \(dilation)")
            let expected = try cpu.download(
                cpu.conv2d(cpu.upload(x), weight: cpu.upload(w), bias: nil, residual: nil, options: options))
            expectClose(y, expected, Self.tolerance(k: 144), "\(padding) d \(dilation)")
        }
    }

    /// w [kh, kw, Cin, Cout] with d − 1 zero taps between neighbours along both spatial axes.
    static func zeroStuffed(_ w: HostTensor, dilation d: Int) throws -> HostTensor {
        let (kh, kw, cin, cout) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let (eh, ew) = ((kh - 1) * d + 1, (kw - 1) * d + 1)
        var data = [Float](repeating: 0, count: eh * ew * cin * cout)
        for ky in 0 ..< kh {
            for kx in 0 ..< kw {
                let from = (ky * kw + kx) * cin * cout
                let to = (ky * d * ew + kx * d) * cin * cout
                data[to ..< to + cin * cout] = w.data[from ..< from + cin * cout]
            }
        }
        return try HostTensor(shape: [eh, ew, cin, cout], data: data)
    }

    /// x [N, H, W, C] with zero rows and columns added on each side.
    static func zeroPadded(_ x: HostTensor, top: Int, bottom: Int, left: Int, right: Int) throws -> HostTensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ph, pw) = (h + top + bottom, w + left + right)
        var data = [Float](repeating: 0, count: n * ph * pw * c)
        for sample in 0 ..< n {
            for row in 0 ..< h {
                let from = ((sample * h + row) * w) * c
                let to = ((sample * ph + row + top) * pw + left) * c
                data[to ..< to + w * c] = x.data[from ..< from + w * c]
            }
        }
        return try HostTensor(shape: [n, ph, pw, c], data: data)
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
        var stride = 1, dilation = 1, padding = Padding.same
        var bias = false, residual = false, relu = false, upsample = false
        var testDescription: String {
            "\(input)\(upsample ? " up2" : "") k\(kernel)×\(kernelW ?? kernel) s\(stride)\(dilation > 1 ? " d\(dilation)" : "") \(padding) →\(cout)\(bias ? " +b" : "")\(residual ? " +r" : "")\(relu ? " relu" : "")"
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
        // Dilation (TensorFlow's `dilations`): SAME and VALID sized by the kernel's extent (k − 1)·d + 1.
        Case(input: [2, 11, 9, 5], kernel: 3, cout: 7, dilation: 2, bias: true, relu: true),
        Case(input: [1, 13, 12, 8], kernel: 3, cout: 12, dilation: 3, padding: .valid, residual: true),
        Case(input: [2, 10, 9, 4], kernel: 2, kernelW: 3, cout: 5, stride: 2, dilation: 2, bias: true),
        Case(input: [1, 4, 5, 3], kernel: 3, cout: 6, dilation: 3, residual: true),  // taps beyond the image
        // Explicit padding (TensorFlow's `EXPLICIT`): asymmetric, zero on some sides, wider than the kernel; the
        // stride-1 3×3 ones also run as Winograd.
        Case(
            input: [1, 7, 8, 6], kernel: 3, cout: 9, padding: .explicit(top: 2, bottom: 0, left: 1, right: 3),
            bias: true, residual: true),
        Case(
            input: [2, 9, 7, 16], kernel: 3, cout: 16, padding: .explicit(top: 0, bottom: 4, left: 5, right: 2),
            relu: true),
        Case(
            input: [1, 6, 9, 3], kernel: 4, cout: 5, stride: 2, dilation: 2,
            padding: .explicit(top: 1, bottom: 2, left: 3, right: 0), bias: true),
        Case(
            input: [1, 4, 5, 4], kernel: 3, cout: 8, padding: .explicit(top: 1, bottom: 2, left: 0, right: 1),
            residual: true, upsample: true),
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
            for dilation in [0, -1, Int.max, Int(Int32.max) + 1] {
                try expectError([3, 3, 3, 8], Conv2DOptions(dilation: dilation))
            }
            try expectError([2, 2, 3, 8], Conv2DOptions(dilation: Int(Int32.max)))  // extent (k − 1)·d + 1 past Int32
            try expectError([3, 3, 3, 8], Conv2DOptions(dilation: 2, inputUpsampling: 2))  // dilation with upsampling
            try expectError([2, 2, 3, 8], Conv2DOptions(padding: .valid, dilation: 4))  // extent 5 > 4
            try expectError(
                [2, 2, 3, 8], Conv2DOptions(padding: .explicit(top: 1, bottom: 0, left: 0, right: 0), dilation: 5))
            for (top, bottom, left, right) in [
                (-1, 0, 0, 0), (0, -2, 0, 0), (0, 0, -1, 0), (0, 0, 0, Int.min), (Int.max, 0, 0, 0), (0, 0, 1 << 40, 0),
            ] {
                try expectError(
                    [3, 3, 3, 8], Conv2DOptions(padding: .explicit(top: top, bottom: bottom, left: left, right: right)))
            }
            // Explicit padding too small for the kernel (4 + 0 + 0 < 5) and an output whose element count overflows.
            try expectError([5, 5, 3, 8], Conv2DOptions(padding: .explicit(top: 0, bottom: 0, left: 1, right: 0)))
            try expectError(
                [1, 1, 3, 8], Conv2DOptions(padding: .explicit(top: 0, bottom: 1 << 30, left: 0, right: 1 << 30)))
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
            stride: stride, padding: padding, dilation: dilation, activation: relu ? .relu : .none,
            inputUpsampling: upsample ? 2 : 1)
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
