import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("resize")
struct ResizeTests {
    /// Same size with half-pixel centres samples every input pixel at fraction 0, where the bilinear weights are
    /// (1, 0) and the cubic ones (0, 1, 0, 0): the input comes back exactly, on both backends.
    @Test(arguments: [ResizeMethod.bilinear, .bicubic])
    func identity(method: ResizeMethod) throws {
        var rng = SeededRandom(seed: 21)
        let x = rng.normalTensor([2, 5, 7, 3])
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let y = try backend.download(
                backend.resize(backend.upload(x), options: ResizeOptions(height: 5, width: 7, method: method)))
            #expect(y == x, "\(backend.name) \(method)")
        }
    }

    /// 2×2 → 4×4 half-pixel bilinear: source coordinates −0.25, 0.25, 0.75, 1.25 along each axis, so weights
    /// (edge clamp), 0.75/0.25, 0.25/0.75, (edge clamp). With x = 8·row + 4·col every value is exact.
    @Test func bilinearHalfPixelByHand() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 2, 2, 1], data: [0, 4, 8, 12]))
        let y = try cpu.values(cpu.resize(x, options: ResizeOptions(height: 4, width: 4, method: .bilinear)))
        #expect(
            y == [
                0, 1, 3, 4,
                2, 3, 5, 6,
                6, 7, 9, 10,
                8, 9, 11, 12,
            ])
    }

    /// alignCorners 2 → 3 puts the middle output exactly halfway between the inputs; a single output row maps to 0.
    @Test func alignCornersMidpoint() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 1, 2, 2], data: [0, -2, 10, 6]))
        for method in [ResizeMethod.bilinear, .bicubic] {
            let options = ResizeOptions(height: 1, width: 3, method: method, coordinates: .alignCorners)
            #expect(try cpu.values(cpu.resize(x, options: options)) == [0, -2, 5, 2, 10, 6], "\(method)")
        }
    }

    /// Keys' kernel at a = −0.5: at fraction 0.5 the four weights are −1/16, 9/16, 9/16, −1/16; at integer
    /// distances it is 1, 0, 0. Weights of any fraction sum to 1 (for any a).
    @Test func cubicWeights() {
        #expect(Resize.cubicWeight(1.5, a: -0.5) == -0.0625)
        #expect(Resize.cubicWeight(0.5, a: -0.5) == 0.5625)
        #expect(
            Resize.cubicWeight(0, a: -0.75) == 1 && Resize.cubicWeight(1, a: -0.75) == 0
                && Resize.cubicWeight(2, a: -0.75) == 0)
        for a: Float in [-0.5, -0.75] {
            for step in 0 ..< 16 {
                let f = Float(step) / 16
                let sum =
                    Resize.cubicWeight(f + 1, a: a) + Resize.cubicWeight(f, a: a) + Resize.cubicWeight(1 - f, a: a)
                    + Resize.cubicWeight(2 - f, a: a)
                #expect(abs(sum - 1) < 1e-6, "a \(a) fraction \(f)")
            }
        }
    }

    /// Asymmetric 4 → 8 bicubic (a = −0.5) on [16, 0, 32, 64]: output 3 samples 1.5: taps 0…3 with weights
    /// −1/16, 9/16, 9/16, −1/16 give −1 + 0 + 18 − 4 = 13; output 7 samples 3.5, taps 2, 3, 4→3, 5→3: −2 + 36 + 36 − 4 = 66.
    @Test func bicubicByHand() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 1, 4, 1], data: [16, 0, 32, 64]))
        let y = try cpu.values(
            cpu.resize(x, options: ResizeOptions(height: 1, width: 8, method: .bicubic, coordinates: .asymmetric)))
        #expect(y[0] == 16 && y[2] == 0 && y[4] == 32 && y[6] == 64)
        #expect(y[3] == 13 && y[7] == 66)
    }

    /// A constant image stays constant: the weights sum to 1 up to a few fp32 roundings (≤ 1e-6 relative).
    @Test func constantImageStaysConstant() throws {
        let x = try HostTensor(shape: [2, 9, 7, 3], data: Array(repeating: 3.5, count: 2 * 9 * 7 * 3))
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            for coordinates in [ResizeCoordinates.halfPixel, .asymmetric, .alignCorners] {
                let options = ResizeOptions(height: 13, width: 4, method: .bicubic, coordinates: coordinates)
                let y = try backend.values(backend.resize(backend.upload(x), options: options))
                #expect(y.allSatisfy { abs($0 - 3.5) <= 3.5e-6 }, "\(backend.name) \(coordinates)")
            }
        }
    }

    /// Vulkan against the reference. Both sum the same 2×2 or 4×4 weighted taps in the same order, but:
    /// the reference rounds the source coordinate to fp32 (≤ ½ulp(in), from `Resize.sourceCoordinate`) while the
    /// shader finds the tap index with integers and rounds only the fraction; and the shader may contract
    /// a·b + c into FMAs. The first moves the result by ≤ ½ulp(in) × the local slope, the second by a few ulp of
    /// Σ|w·x|. For N(0, 1) data on inputs ≤ 9 pixels: ½ulp(8) ≈ 5e-7 px × slope ≲ 10 plus ~4 ulp(4) ≈ 2e-6 →
    /// 1e-5 absolute (relative error is meaningless where taps cancel), NMSE 1e-11 (measured: ≤ 2e-6, 2e-13).
    @Test(arguments: [ResizeMethod.bilinear, .bicubic])
    func parity(method: ResizeMethod) throws {
        var rng = SeededRandom(seed: 23 + UInt64(method.rawValue))
        let cases: [(Shape, Int, Int)] = [
            ([1, 7, 5, 3], 13, 11), ([2, 9, 9, 5], 4, 4), ([3, 1, 6, 2], 3, 17), ([1, 4, 4, 8], 1, 1),
        ]
        for (shape, height, width) in cases {
            let x = rng.normalTensor(shape)
            for coordinates in [ResizeCoordinates.halfPixel, .asymmetric, .alignCorners] {
                for a: Float in method == .bicubic ? [-0.5, -0.75] : [-0.5] {
                    let options = ResizeOptions(
                        height: height, width: width, method: method, coordinates: coordinates, cubicCoefficient: a)
                    try expectParity(
                        [x], Tolerance(absolute: 1e-5, relative: 0, nmse: 1e-11),
                        "\(shape) → \(height)×\(width) \(coordinates) a \(a)"
                    ) { b, t in
                        try b.resize(t[0], options: options)
                    }
                }
            }
        }
    }

    /// The two production uses: image preprocessing 375×500 → 256×256 bicubic and the generator's 128 → 256 output.
    /// Same error sources as `parity`, with coordinates up to 500: ½ulp(500) ≈ 1.5e-5 px × slope ≲ 5 for data in
    /// [−1, 1] (neighbour steps ≤ 2, bicubic overshoot included) ≈ 7.5e-5, hence 1e-4 absolute, NMSE 1e-9.
    /// (Output sizes of 256 make half-pixel and asymmetric coordinates exact in fp32, so lavapipe matches exactly
    /// there; alignCorners divides by 255 and differs by up to ~5e-5.)
    @Test func productionShapes() throws {
        var rng = SeededRandom(seed: 29)
        let tolerance = Tolerance(absolute: 1e-4, relative: 0, nmse: 1e-9)
        let image = rng.uniformTensor([1, 375, 500, 3], in: -1 ..< 1)
        try expectParity([image], tolerance, "375×500 → 256²") { b, t in
            try b.resize(t[0], options: ResizeOptions(height: 256, width: 256, method: .bicubic))
        }
        let generated = rng.uniformTensor([2, 128, 128, 3], in: -1 ..< 1)
        for coordinates in [ResizeCoordinates.halfPixel, .asymmetric, .alignCorners] {
            try expectParity([generated], tolerance, "128 → 256 \(coordinates)") { b, t in
                try b.resize(
                    t[0], options: ResizeOptions(height: 256, width: 256, method: .bilinear, coordinates: coordinates))
            }
        }
    }

    @Test func rejectsBadCalls() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let image = try backend.upload(HostTensor(zeros: [1, 4, 4, 2]))
            let flat = try backend.upload(HostTensor(zeros: [4, 4, 2]))
            let empty = try backend.upload(HostTensor(zeros: [1, 0, 4, 2]))
            #expect(throws: TensorError.self) {
                try backend.resize(flat, options: ResizeOptions(height: 2, width: 2, method: .bilinear))
            }
            #expect(throws: TensorError.self) {
                try backend.resize(image, options: ResizeOptions(height: 0, width: 2, method: .bilinear))
            }
            #expect(throws: TensorError.self) {
                try backend.resize(image, options: ResizeOptions(height: 2, width: -1, method: .bicubic))
            }
            #expect(throws: TensorError.self) {
                try backend.resize(empty, options: ResizeOptions(height: 2, width: 2, method: .bicubic))
            }
        }
    }
}
