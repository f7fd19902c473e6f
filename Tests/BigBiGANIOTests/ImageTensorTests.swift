import Tensors
import Testing

@testable import BigBiGANIO

@Suite struct ImageTensorTests {
    @Test func pixelsMapToMinusOneToOneAndBackExactly() throws {
        let image = try RGBImage(width: 2, height: 1, pixels: [0, 255, 128, 1, 2, 254])
        let tensor = image.tensor()
        #expect(tensor.shape == [1, 1, 2, 3])
        // x / 127.5 - 1 in float32: 0 and 255 land exactly on the ends, 128 just above the middle.
        #expect(tensor.data[0] == -1 && tensor.data[1] == 1)
        #expect(abs(tensor.data[2] - (128 / 127.5 - 1)) <= Float.ulpOfOne)
        #expect(try RGBImage(tensor: tensor) == image)
        let everyByte = try RGBImage(
            width: 256, height: 1, pixels: (0 ... 255).flatMap { [UInt8($0), UInt8(255 - $0), UInt8($0)] })
        #expect(try RGBImage(tensor: everyByte.tensor()) == everyByte)
    }

    @Test func outOfRangeValuesAreClampedAndRounded() throws {
        let tensor = try HostTensor(shape: [1, 1, 2, 3], data: [-3, 7, .nan, 0, -0.999, 0.999])
        // 0 → 127.5 rounds away from zero to 128; ±0.999 → 0.1275 and 254.87 round to 0 and 255.
        #expect(try RGBImage(tensor: tensor).pixels == [0, 255, 0, 128, 0, 255])
    }

    @Test func batchesConvertBothWays() throws {
        let a = try RGBImage(width: 2, height: 2, pixels: Array(0 ..< 12))
        let b = try RGBImage(width: 2, height: 2, pixels: Array(100 ..< 112))
        let batch = try HostTensor(images: [a, b])
        #expect(batch.shape == [2, 2, 2, 3])
        #expect(try batch.rgbImages() == [a, b])
        #expect(try RGBImage(tensor: batch, index: 1) == b)
        #expect(throws: TensorError.self) { try RGBImage(tensor: batch, index: 2) }
        #expect(throws: TensorError.self) {
            try HostTensor(images: [a, try RGBImage(width: 1, height: 1, pixels: [0, 0, 0])])
        }
        #expect(throws: TensorError.self) { try RGBImage(tensor: HostTensor(zeros: [1, 2, 2, 4])) }
        #expect(throws: TensorError.self) { try RGBImage(tensor: HostTensor(zeros: [2, 2, 3])) }
        #expect(throws: TensorError.self) { try RGBImage(width: 2, height: 2, pixels: [1, 2, 3]) }
    }

    @Test func centreSquareKeepsTheMiddle() throws {
        // 5 wide, 2 high: pixel value = x + 10 y in every channel; the square keeps columns 1 and 2, and at its own
        // size the bicubic taps reduce to the pixels themselves.
        let wide = try RGBImage(
            width: 5, height: 2,
            pixels: (0 ..< 2).flatMap { y in (0 ..< 5).flatMap { x in [UInt8](repeating: UInt8(x + 10 * y), count: 3) }
            })
        let square = try wide.centerSquareTensor(resolution: 2)
        #expect(square.shape == [1, 2, 2, 3])
        #expect(try RGBImage(tensor: square).pixels == [1, 2, 11, 12].flatMap { [$0, $0, $0] })
        // 1 wide, 4 high: rows 1 and 2 of 0...3 — the single middle row of the excess of 3 is row 1.
        let tall = try RGBImage(width: 1, height: 4, pixels: (0 ..< 4).flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
        #expect(try RGBImage(tensor: tall.centerSquareTensor(resolution: 1)).pixels == [1, 1, 1])
        #expect(throws: TensorError.self) { try tall.centerSquareTensor(resolution: 0) }
    }

    /// The one-pass preprocessing gives, bit for bit, what cropping, converting the crop to floats and resizing it with
    /// the CPU reference gives (then clamped), for landscape and portrait crops, shrinking, enlarging and same size.
    @Test(arguments: [(300, 200, 256), (517, 1031, 64), (64, 64, 64), (90, 41, 128)])
    func centreSquareTensorMatchesCropThenResize(width: Int, height: Int, resolution: Int) throws {
        var random = SeededRandom(seed: UInt64(width * height))
        let pixels = (0 ..< width * height * 3).map { _ in UInt8(random.next() % 256) }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        let side = min(width, height)
        let (left, top) = ((width - side) / 2, (height - side) / 2)
        var cropped: [UInt8] = []
        for y in top ..< top + side {
            let start = (y * width + left) * 3
            cropped += pixels[start ..< start + side * 3]
        }
        let crop = try RGBImage(width: side, height: side, pixels: cropped)
        let cpu = CPUBackend()
        let options = ResizeOptions(height: resolution, width: resolution, method: .bicubic, cubicCoefficient: -0.5)
        let expected = try cpu.values(cpu.resize(cpu.upload(crop.tensor()), options: options)).map {
            min(max($0, -1), 1)
        }
        let actual = try image.centerSquareTensor(resolution: resolution)
        #expect(actual.shape == [1, resolution, resolution, 3])
        #expect(actual.data == expected)
    }

    @Test func gridPlacesImagesRowByRowWithPadding() throws {
        // Five 1x2 (w x h) images in the default ceil(sqrt(5)) = 3 columns and 2 rows, padding 1.
        let images = try (0 ..< 5).map {
            try RGBImage(width: 1, height: 2, pixels: [UInt8](repeating: UInt8(10 * ($0 + 1)), count: 6))
        }
        let grid = try ImageGrid.compose(images, padding: 1, fill: 255)
        #expect(grid.width == 3 * (1 + 1) + 1 && grid.height == 2 * (2 + 1) + 1)
        func pixel(_ x: Int, _ y: Int) -> UInt8 { grid.pixels[(y * grid.width + x) * 3] }
        #expect(pixel(1, 1) == 10 && pixel(1, 2) == 10 && pixel(3, 1) == 20 && pixel(5, 2) == 30)
        #expect(pixel(1, 4) == 40 && pixel(3, 5) == 50)
        #expect(pixel(5, 4) == 255)  // the empty sixth cell
        #expect(pixel(0, 0) == 255 && pixel(2, 1) == 255 && pixel(1, 3) == 255)
        let fromTensor = try ImageGrid.compose(HostTensor(images: images), columns: 5, padding: 0)
        #expect(fromTensor.width == 5 && fromTensor.height == 2)
        #expect(throws: TensorError.self) { try ImageGrid.compose(images, columns: 0) }
        #expect(throws: TensorError.self) { try ImageGrid.compose([RGBImage]()) }
    }

    /// Nearest enlargement repeats each pixel in a factor × factor block; factor 1 is the image itself; factors
    /// outside 1…64 throw.
    @Test func enlargedRepeatsEachPixel() throws {
        let image = try RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        let big = try image.enlarged(by: 3)
        #expect(big.width == 6 && big.height == 3)
        let row = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6].map { UInt8($0) }
        #expect(big.pixels == row + row + row)
        #expect(try image.enlarged(by: 1) == image)
        #expect(throws: TensorError.self) { try image.enlarged(by: 0) }
        #expect(throws: TensorError.self) { try image.enlarged(by: 65) }
    }

    /// A 28×28 image going to a 32×32 model gets 2 px of black (−1) around its pixels scaled by x/127.5 − 1; any other
    /// pairing of sizes is the centre-square preparation.
    @Test func modelInputPadsOnlyTwentyEightForThirtyTwo() throws {
        let pixels = (0 ..< 28 * 28).flatMap { i in [UInt8](repeating: UInt8(i % 251), count: 3) }
        let image = try RGBImage(width: 28, height: 28, pixels: pixels)
        let padded = try image.modelInput(resolution: 32)
        #expect(padded.shape == [1, 32, 32, 3])
        for (row, column) in [(0, 0), (1, 31), (31, 5), (2, 1), (30, 2)] {
            #expect(padded.data[(row * 32 + column) * 3] == -1, "border (\(row), \(column))")
        }
        for (row, column) in [(2, 2), (10, 17), (29, 29)] {
            let value = Float(((row - 2) * 28 + column - 2) % 251) / 127.5 - 1
            #expect(padded.data[(row * 32 + column) * 3 + 1] == value, "(\(row), \(column))")
        }
        #expect(try image.modelInput(resolution: 64) == image.centerSquareTensor(resolution: 64))
        let other = try RGBImage(width: 30, height: 28, pixels: [UInt8](repeating: 9, count: 30 * 28 * 3))
        #expect(try other.modelInput(resolution: 32) == other.centerSquareTensor(resolution: 32))
    }
}
