import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

@Suite("pool2d")
struct Pool2DTests {
    /// A 5×5 ramp with a 3×3/2 SAME window (ResNet's stem): 3×3 outputs, one padded row/column before and after,
    /// windows over rows/columns {0,1}, {1,2,3}, {3,4}.
    @Test func maxSameOnRamp() throws {
        let cpu = CPUBackend()
        let options = Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .same)
        let ramp = (0 ..< 25).map { Float($0) }
        let up = try cpu.values(cpu.pool2d(cpu.upload(HostTensor(shape: [1, 5, 5, 1], data: ramp)), options: options))
        #expect(up == [6, 8, 9, 16, 18, 19, 21, 23, 24])
        // Negated: the maxima are the windows' first pixels; padding treated as 0 would give 0 on the border.
        let down = try cpu.values(
            cpu.pool2d(cpu.upload(HostTensor(shape: [1, 5, 5, 1], data: ramp.map { -$0 })), options: options))
        #expect(down == [0, -1, -3, -5, -6, -8, -15, -16, -18])
    }

    /// 2×2/2 VALID on 5×5 drops the last row and column.
    @Test func maxValidDropsRemainder() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 5, 5, 1], data: (0 ..< 25).map { Float($0) }))
        let y = try cpu.download(cpu.pool2d(x, options: Pool2DOptions(kind: .max, window: 2, stride: 2)))
        #expect(y.shape == [1, 2, 2, 1] && y.data == [6, 8, 16, 18])
    }

    /// 2×2/2 SAME average (RevNet) on a 3×3 image x = 1…9: the padding is after, so the right/bottom windows hold
    /// 2 or 1 in-image pixels and divide by that count: (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9.
    /// And 3×3/2 SAME on the 5×5 ramp: the corner window covers rows/columns {0,1} → (0+1+5+6)/4 = 3.
    @Test func averageSameCountsOnlyImagePixels() throws {
        let cpu = CPUBackend()
        let x = try cpu.upload(HostTensor(shape: [1, 3, 3, 1], data: (1 ... 9).map { Float($0) }))
        let y = try cpu.values(
            cpu.pool2d(x, options: Pool2DOptions(kind: .average, window: 2, stride: 2, padding: .same)))
        #expect(y == [3, 4.5, 7.5, 9])
        let ramp = try cpu.upload(HostTensor(shape: [1, 5, 5, 1], data: (0 ..< 25).map { Float($0) }))
        let z = try cpu.values(
            cpu.pool2d(ramp, options: Pool2DOptions(kind: .average, window: 3, stride: 2, padding: .same)))
        #expect(z[0] == 3 && z[4] == 12 && z[8] == 21)  // centre (1…3)² → 12; corner {3,4}² → (18+19+23+24)/4
    }

    /// 2×2/2 with explicit padding (TensorFlow's `MaxPool` with `padding="EXPLICIT"`) of 1 row on top and 1 column
    /// on the right on the 5×5 ramp 5r + c: (5 + 1 − 2)/2 + 1 = 3 outputs per axis, windows over rows {0}, {1,2},
    /// {3,4} and columns {0,1}, {2,3}, {4}. Max takes each window's last row and column; average 5·mean(r) + mean(c)
    /// over the in-image pixels only.
    @Test func explicitPaddingByHand() throws {
        let cpu = CPUBackend()
        let ramp = try cpu.upload(HostTensor(shape: [1, 5, 5, 1], data: (0 ..< 25).map { Float($0) }))
        let padding = Padding.explicit(top: 1, bottom: 0, left: 0, right: 1)
        let maximum = try cpu.download(
            cpu.pool2d(ramp, options: Pool2DOptions(kind: .max, window: 2, stride: 2, padding: padding)))
        #expect(maximum.shape == [1, 3, 3, 1] && maximum.data == [1, 3, 4, 11, 13, 14, 21, 23, 24])
        let average = try cpu.values(
            cpu.pool2d(ramp, options: Pool2DOptions(kind: .average, window: 2, stride: 2, padding: padding)))
        #expect(average == [0.5, 2.5, 4, 8, 10, 11.5, 18, 20, 21.5])
    }

    static let configurations: [Pool2DOptions] = [
        Pool2DOptions(kind: .max, window: 2, stride: 2, padding: .valid),
        Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .same),
        Pool2DOptions(kind: .max, window: 3, stride: 1, padding: .same),
        Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .valid),
        Pool2DOptions(kind: .average, window: 2, stride: 2, padding: .same),
        Pool2DOptions(kind: .average, window: 2, stride: 2, padding: .valid),
        Pool2DOptions(kind: .average, window: 3, stride: 1, padding: .same),
        Pool2DOptions(kind: .average, window: 3, stride: 2, padding: .same),
        Pool2DOptions(kind: .max, window: 3, stride: 2, padding: .explicit(top: 2, bottom: 0, left: 1, right: 2)),
        Pool2DOptions(kind: .average, window: 3, stride: 1, padding: .explicit(top: 0, bottom: 2, left: 2, right: 1)),
    ]

    /// Max only selects, so it is exact. Average: the shader sums k ≤ 9 values in fp32, the reference in Double.
    /// For N(0, 1) data the partial sums stay below 16, so the fp32 sum is off by ≤ (k − 1)·½ulp(16) and the
    /// mean by < ½ulp(16) ≈ 1e-6, plus ≤ 1 ulp of the mean (< 5e-7) for the division: 2e-6 absolute, NMSE 1e-12
    /// (measured on lavapipe: ≤ 1.8e-7, NMSE ≤ 5e-15).
    @Test(arguments: configurations)
    func parity(options: Pool2DOptions) throws {
        var rng = SeededRandom(seed: 31 + UInt64(options.window * 10 + options.stride))
        let tolerance = options.kind == .max ? Tolerance.exact : Tolerance(absolute: 2e-6, relative: 0, nmse: 1e-12)
        for shape: Shape in [[1, 7, 5, 3], [2, 9, 9, 5], [3, 4, 6, 2], [1, 3, 3, 7], [2, 16, 16, 8]] {
            try expectParity([rng.normalTensor(shape)], tolerance, "\(options) \(shape)") { b, t in
                try b.pool2d(t[0], options: options)
            }
        }
    }

    @Test func rejectsBadCalls() throws {
        for backend: any Backend in [CPUBackend(), try TestDevice.vulkan()] {
            let image = try backend.upload(HostTensor(zeros: [1, 2, 2, 3]))
            let flat = try backend.upload(HostTensor(zeros: [2, 2, 3]))
            #expect(throws: TensorError.self) {
                try backend.pool2d(flat, options: Pool2DOptions(kind: .max, window: 2, stride: 2))
            }
            #expect(throws: TensorError.self) {
                try backend.pool2d(image, options: Pool2DOptions(kind: .max, window: 3, stride: 2))
            }
            #expect(throws: TensorError.self) {
                try backend.pool2d(image, options: Pool2DOptions(kind: .average, window: 0, stride: 1))
            }
            #expect(throws: TensorError.self) {
                try backend.pool2d(image, options: Pool2DOptions(kind: .average, window: 2, stride: 0, padding: .same))
            }
            // Explicit amounts must be 0 … window − 1, so that no window lies in the padding alone.
            for (top, bottom, left, right) in [(2, 0, 0, 0), (0, 0, 0, 3), (-1, 0, 0, 0), (0, 0, Int.min, 0)] {
                let padding = Padding.explicit(top: top, bottom: bottom, left: left, right: right)
                #expect(throws: TensorError.self, "\(padding)") {
                    try backend.pool2d(
                        image, options: Pool2DOptions(kind: .max, window: 2, stride: 1, padding: padding))
                }
            }
        }
    }
}
