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

    /// Vulkan against the reference. Both compute the same source coordinates (the scale rounded to fp32 on the
    /// host, then correctly rounded fp32 operations the shader may not fuse), so the taps and fractions agree bit for
    /// bit, and sum the same 2×2 or 4×4 weighted taps in the same order; but the shader may contract a·b + c into
    /// FMAs, evaluates the table's cubic in fp32 instead of double and divides by the excluded-border weight sum with
    /// Vulkan's 2.5-ulp division: a few ulp of Σ|w·x|, ~4 ulp(4) ≈ 2e-6 for N(0, 1) data → 1e-5 absolute (relative
    /// error is meaningless where taps cancel), NMSE 1e-11 (measured: ≤ 2e-6, 2e-13).
    @Test(arguments: [ResizeMethod.bilinear, .bicubic])
    func parity(method: ResizeMethod) throws {
        var rng = SeededRandom(seed: 23 + UInt64(method.rawValue))
        let cases: [(Shape, Int, Int)] = [
            ([1, 7, 5, 3], 13, 11), ([2, 9, 9, 5], 4, 4), ([3, 1, 6, 2], 3, 17), ([1, 4, 4, 8], 1, 1),
        ]
        let cubicVariants: [(Float, CubicBorder, CubicWeights)] =
            method == .bicubic
            ? [
                (-0.5, .clampToEdge, .exact), (-0.75, .clampToEdge, .exact), (-0.75, .clampToEdge, .tensorFlowTable),
                (-0.5, .excludeOutside, .tensorFlowTable), (-0.5, .excludeOutside, .exact),
            ]
            : [(-0.5, .clampToEdge, .exact)]
        for (shape, height, width) in cases {
            let x = rng.normalTensor(shape)
            for coordinates in [ResizeCoordinates.halfPixel, .asymmetric, .alignCorners] {
                for (a, border, weights) in cubicVariants {
                    let options = ResizeOptions(
                        height: height, width: width, method: method, coordinates: coordinates, cubicCoefficient: a,
                        cubicBorder: border, cubicWeights: weights)
                    try expectParity(
                        [x], Tolerance(absolute: 1e-5, relative: 0, nmse: 1e-11),
                        "\(shape) → \(height)×\(width) \(coordinates) a \(a) \(border) \(weights)"
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

    // MARK: nearest

    /// Resizes a row [0, 1, …, in − 1] (and the same column) to `out` with `.nearest` on `backend`: the output is
    /// the list of input indices, along the width and along the height.
    private func nearestIndices(
        _ backend: any Backend, input: Int, output: Int, _ coordinates: ResizeCoordinates
    ) throws -> (width: [Int], height: [Int]) {
        let row = try HostTensor(shape: [1, 1, input, 1], data: (0 ..< input).map(Float.init))
        let column = try HostTensor(shape: [1, input, 1, 1], data: row.data)
        func indices(_ x: HostTensor, _ options: ResizeOptions) throws -> [Int] {
            try backend.values(backend.resize(backend.upload(x), options: options)).map { Int($0) }
        }
        return (
            try indices(row, ResizeOptions(height: 1, width: output, method: .nearest, coordinates: coordinates)),
            try indices(column, ResizeOptions(height: output, width: 1, method: .nearest, coordinates: coordinates))
        )
    }

    /// TensorFlow's `ResizeNearestNeighbor` index lists, by hand (and as TensorFlow 2.21 gives them):
    /// - asymmetric: min(floor(dst·in/out), in − 1). 3 → 5: dst·0.6 = 0, 0.6, 1.2, 1.8, 2.4; 5 → 3: dst·5/3 = 0,
    ///   1.67, 3.33; 7 → 3: 0, 2.33, 4.67.
    /// - halfPixel: floor((dst + 0.5)·in/out). 3 → 5: 0.3, 0.9, 1.5, 2.1, 2.7; 5 → 3: 0.83, 2.5, 4.17; 7 → 3: 1.17,
    ///   3.5, 5.83.
    /// - alignCorners: roundf(dst·(in − 1)/(out − 1)), halves away from zero. 3 → 5: 0, 0.5, 1, 1.5, 2 → 0, 1, 1, 2, 2
    ///   (ties to even would give 0 for 0.5); 5 → 3: 0, 2, 4; 7 → 3: 0, 3, 6.
    /// - 4 → 8 gives 0, 0, 1, 1, 2, 2, 3, 3 in all three; 3 → 7: asymmetric dst·3/7 = 0, 0.43, 0.86, 1.29, 1.71,
    ///   2.14, 2.57; halfPixel 0.21, 0.64, 1.07, 1.5, 1.93, 2.36, 2.79; alignCorners dst/3 rounded.
    @Test(arguments: [ResizeCoordinates.asymmetric, .halfPixel, .alignCorners])
    func nearestIndicesByHand(coordinates: ResizeCoordinates) throws {
        let expected: [(Int, Int, [Int])] =
            switch coordinates {
            case .asymmetric:
                [
                    (3, 5, [0, 0, 1, 1, 2]), (5, 3, [0, 1, 3]), (7, 3, [0, 2, 4]), (4, 8, [0, 0, 1, 1, 2, 2, 3, 3]),
                    (3, 7, [0, 0, 0, 1, 1, 2, 2]),
                ]
            case .halfPixel:
                [
                    (3, 5, [0, 0, 1, 2, 2]), (5, 3, [0, 2, 4]), (7, 3, [1, 3, 5]), (4, 8, [0, 0, 1, 1, 2, 2, 3, 3]),
                    (3, 7, [0, 0, 1, 1, 1, 2, 2]),
                ]
            case .alignCorners:
                [
                    (3, 5, [0, 1, 1, 2, 2]), (5, 3, [0, 2, 4]), (7, 3, [0, 3, 6]), (4, 8, [0, 0, 1, 1, 2, 2, 3, 3]),
                    (3, 7, [0, 0, 1, 1, 1, 2, 2]),
                ]
            }
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan(), try TestDevice.vulkan(precision: .fp16)] {
            for (input, output, indices) in expected {
                #expect(
                    (0 ..< output).map { Resize.nearestIndex($0, input: input, output: output, coordinates) } == indices
                )
                let (width, height) = try nearestIndices(backend, input: input, output: output, coordinates)
                #expect(width == indices && height == indices, "\(backend.name) \(input) → \(output) \(coordinates)")
            }
        }
    }

    /// TensorFlow rounds the scale to fp32 before multiplying, which moves some exact integer coordinates just below
    /// the integer: asymmetric 2 → 82 at dst 41 (41·2/82 = 1, but 41·fl(2/82) < 1), halfPixel 2 → 41 at dst 20
    /// (20.5·fl(2/41) < 1) and alignCorners 2 → 83 at dst 41 (41·fl(1/82) < 0.5) all give index 0 where exact
    /// arithmetic gives 1 (TensorFlow 2.21 agrees), on both backends.
    @Test func nearestRoundsTheScaleToFloatAsTensorFlowDoes() throws {
        let cases: [(ResizeCoordinates, Int, Int)] = [
            (.asymmetric, 82, 41), (.halfPixel, 41, 20), (.alignCorners, 83, 41),
        ]
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            for (coordinates, output, dst) in cases {
                let (width, height) = try nearestIndices(backend, input: 2, output: output, coordinates)
                #expect(width[dst] == 0 && width[dst + 1] == 1, "\(backend.name) \(coordinates)")
                #expect(height == width, "\(backend.name) \(coordinates)")
            }
        }
    }

    /// Vulkan picks the reference's indices for every pair of sizes 1…20 → 1…40 and back, in every coordinate mode,
    /// with fp32 and fp16 storage (the indices are small integers, exact in both).
    @Test(arguments: [ResizeCoordinates.asymmetric, .halfPixel, .alignCorners])
    func nearestIndicesMatchTheReference(coordinates: ResizeCoordinates) throws {
        let cpu = CPUBackend()
        for gpu in [try TestDevice.vulkan(), try TestDevice.vulkan(precision: .fp16)] {
            for input in 1 ... 20 {
                for output in 1 ... 40 {
                    let x = try HostTensor(
                        shape: [1, input, output, 2],
                        data: (0 ..< input * output).flatMap { [Float($0 / output), Float($0 % output)] })
                    // Rows: input → output; columns: output → input.
                    let options = ResizeOptions(
                        height: output, width: input, method: .nearest, coordinates: coordinates)
                    let expected = try cpu.download(cpu.resize(cpu.upload(x), options: options))
                    let actual = try gpu.download(gpu.resize(gpu.upload(x), options: options))
                    #expect(actual == expected, "\(gpu.precision) \(input)×\(output) → \(output)×\(input)")
                }
            }
        }
    }

    /// Asymmetric nearest 128 → 256 is `upsampleNearest2x` (floor(dst/2)), exactly, on both backends.
    @Test func nearestAsymmetricDoublingIsUpsampleNearest2x() throws {
        var rng = SeededRandom(seed: 31)
        let x = rng.normalTensor([2, 128, 128, 3])
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let t = try backend.upload(x)
            let resized = try backend.download(
                backend.resize(
                    t, options: ResizeOptions(height: 256, width: 256, method: .nearest, coordinates: .asymmetric)))
            #expect(resized == (try backend.download(backend.upsampleNearest2x(t))), "\(backend.name)")
        }
    }

    /// A copy keeps every bit: −0, infinities and NaN come through unchanged.
    @Test func nearestCopiesSpecialValues() throws {
        let values: [Float] = [-0.0, .infinity, -.infinity, .nan]
        let x = try HostTensor(shape: [1, 1, 4, 1], data: values)
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let y = try backend.values(
                backend.resize(
                    backend.upload(x),
                    options: ResizeOptions(height: 2, width: 8, method: .nearest, coordinates: .asymmetric)))
            let expected = (0 ..< 2).flatMap { _ in values.flatMap { [$0, $0] } }
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "\(backend.name)")
        }
    }

    // MARK: TensorFlow's options

    /// The attribute mapping of `ResizeOptions.tensorFlow`; both attributes true is an error, as in TensorFlow.
    @Test func tensorFlowAttributes() throws {
        let v2 = try ResizeOptions.tensorFlow(
            .bicubic, height: 3, width: 4, alignCorners: false, halfPixelCenters: true)
        #expect(
            v2
                == ResizeOptions(
                    height: 3, width: 4, method: .bicubic, coordinates: .halfPixel, cubicCoefficient: -0.5,
                    cubicBorder: .excludeOutside, cubicWeights: .tensorFlowTable))
        let v1 = try ResizeOptions.tensorFlow(
            .bicubic, height: 3, width: 4, alignCorners: false, halfPixelCenters: false)
        #expect(
            v1
                == ResizeOptions(
                    height: 3, width: 4, method: .bicubic, coordinates: .asymmetric, cubicCoefficient: -0.75,
                    cubicBorder: .clampToEdge, cubicWeights: .tensorFlowTable))
        let corners = try ResizeOptions.tensorFlow(
            .nearest, height: 3, width: 4, alignCorners: true, halfPixelCenters: false)
        #expect(corners.method == .nearest && corners.coordinates == .alignCorners)
        #expect(throws: TensorError.self) {
            try ResizeOptions.tensorFlow(.bilinear, height: 3, width: 4, alignCorners: true, halfPixelCenters: true)
        }
    }

    /// `.excludeOutside` by hand: halfPixel 2 → 4 (a = −0.5, exact weights), output 0 samples −0.25: taps −2, −1, 0, 1
    /// at distances 1.75, 0.75, 0.25, 1.25; the first two are outside, W(0.25) = 111/128 and W(1.25) = −9/128
    /// remain and are divided by their sum 102/128: 111/102 and −9/102, so on [0, 4] y = −36/102 = −6/17. Clamping to
    /// the edge instead puts all four on the image: 4·W(1.25) = −0.28125.
    @Test func excludeOutsideByHand() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 1, 2, 1], data: [0, 4]))
        let excluded = try cpu.values(
            cpu.resize(x, options: ResizeOptions(height: 1, width: 4, method: .bicubic, cubicBorder: .excludeOutside)))
        #expect(abs(excluded[0] - -6 / 17) <= 4e-7)
        let clamped = try cpu.values(cpu.resize(x, options: ResizeOptions(height: 1, width: 4, method: .bicubic)))
        #expect(clamped[0] == -0.28125)
    }

    /// TensorFlow 2.21's `ResizeBicubic` of the row [3, −1, 4, 1, −5] to 8 and to 3 pixels, for each attribute pair
    /// (`tf.raw_ops.ResizeBicubic(images=x, size=[1, n], align_corners=…, half_pixel_centers=…)`), as fp32 bit
    /// patterns. These exercise the table (5 → 3 asymmetric samples fraction 1/3, which the table rounds to 341/1024:
    /// exact weights would differ by ~1e-3), the excluded border (half-pixel outputs 0, 1 and 7 of 8) and the edge
    /// clamp. The reference computes the same fp32 weights as TensorFlow and, on one row, sums in its order, so it
    /// matches bit for bit; Vulkan within the parity tolerance.
    @Test func tensorFlowBicubicValues() throws {
        let cases: [(alignCorners: Bool, halfPixel: Bool, width: Int, expected: [Float])] = [
            (
                false, true, 8,
                [
                    0x1.a4d76p+1, 0x1.2b490ap+0, -0x1.d71p-1, 0x1.5cf4p+1, 0x1.e084p+1, 0x1.48d8p+0, -0x1.6421c8p+1,
                    -0x1.5ba188p+2,
                ]
            ),
            (false, true, 3, [0x1.b9ce54p+0, 4, -0x1.b9a1a6p+1]),
            (
                false, false, 8,
                [3, -0x1.bap-4, -0x1.78p-3, 0x1.d37p+1, 0x1.c4p+1, 0x1.43p-3, -0x1.df8p+1, -0x1.6a3p+2]
            ),
            (false, false, 3, [3, 0x1.450212p+1, -0x1.3858ep+0]),
            (
                true, false, 8,
                [3, 0x1.3de828p-3, -0x1.57da3cp-1, 0x1.6a67dap+1, 0x1.01159p+2, 0x1.e634cap+0, -0x1.d5af1cp+0, -5]
            ),
            (true, false, 3, [3, 4, -5]),
        ]
        let x = try HostTensor(shape: [1, 1, 5, 1], data: [3, -1, 4, 1, -5])
        let cpu = CPUBackend()
        let gpu = try TestDevice.vulkan()
        for c in cases {
            let options = try ResizeOptions.tensorFlow(
                .bicubic, height: 1, width: c.width, alignCorners: c.alignCorners, halfPixelCenters: c.halfPixel)
            let expected = try HostTensor(shape: [1, 1, c.width, 1], data: c.expected)
            let context = "align_corners \(c.alignCorners) half_pixel_centers \(c.halfPixel) → \(c.width)"
            expectClose(try cpu.download(cpu.resize(cpu.upload(x), options: options)), expected, .exact, context)
            expectClose(
                try gpu.download(gpu.resize(gpu.upload(x), options: options)), expected,
                Tolerance(absolute: 1e-5, relative: 0, nmse: 1e-11), context)
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
            // Sizes from 2²⁴ on, where fp32 coordinates stop holding every index.
            #expect(throws: TensorError.self) {
                try backend.resize(image, options: ResizeOptions(height: 1, width: 1 << 24, method: .nearest))
            }
            #expect(throws: TensorError.self) {
                try backend.resize(image, options: ResizeOptions(height: Int.max, width: 2, method: .bilinear))
            }
        }
    }
}
