import Tensors

extension RGBImage {
    /// The BigBiGAN encoder's input, as the BigBiGAN colab prepares it: the largest centred square (an odd excess drops
    /// its extra column or row on the right or bottom), resized to `resolution`² by Keys bicubic (a = −0.5, half-pixel
    /// centres, edges clamped), scaled by `x / 127.5 − 1` and clamped to [-1, 1] against the cubic's overshoot; a
    /// [1, resolution, resolution, 3] tensor.
    ///
    /// Computed from the 8-bit pixels, so only the output is ever in float: the values are those of cropping,
    /// converting with `tensor()` and resizing with `CPUBackend.resize`, bit for bit, without a full-size float copy
    /// of a large photo. The resize is separable and done in the same order as `CPUBackend.resize` — each source row
    /// filtered along its columns, then the filtered rows combined — but each source row a tap uses is filtered once,
    /// not once per output row that uses it.
    public func centerSquareTensor(resolution: Int) throws -> HostTensor {
        guard resolution >= 1 else {
            throw TensorError.unsupported(op: "centerSquareTensor", "resolution \(resolution)")
        }
        let side = min(width, height)
        let left = (width - side) / 2
        let top = (height - side) / 2
        // The square's rows and columns are resized alike, so one set of taps serves both axes.
        let taps = ResizeTaps(
            input: side, output: resolution,
            ResizeOptions(
                height: resolution, width: resolution, method: .bicubic, coordinates: .halfPixel, cubicCoefficient: -0.5
            ))
        let count = taps.count
        // x / 127.5 − 1 for each 8-bit value, as `tensor()` computes it.
        let scaled = (0 ... 255).map { Float($0) / 127.5 - 1 }
        // The source rows some tap reads, each given a slot in `filtered`, in the order first used.
        var slot = [Int](repeating: -1, count: side)
        var sourceRows: [Int] = []
        for row in taps.index where slot[row] < 0 {
            slot[row] = sourceRows.count
            sourceRows.append(row)
        }
        let rowLength = resolution * 3
        var filtered = [Float](repeating: 0, count: sourceRows.count * rowLength)
        var values = [Float](repeating: 0, count: resolution * rowLength)
        pixels.withUnsafeBufferPointer { pixels in
            taps.index.withUnsafeBufferPointer { index in
                taps.weight.withUnsafeBufferPointer { weight in
                    scaled.withUnsafeBufferPointer { scaled in
                        filtered.withUnsafeMutableBufferPointer { filtered in
                            // Each source row filtered along its columns: rowValue of CPUBackend.resize.
                            for (rowSlot, sourceRow) in sourceRows.enumerated() {
                                let rowStart = (top + sourceRow) * width + left
                                for column in 0 ..< resolution {
                                    for channel in 0 ..< 3 {
                                        var rowValue: Float = 0
                                        for j in 0 ..< count {
                                            let pixel = pixels[(rowStart + index[column * count + j]) * 3 + channel]
                                            rowValue += weight[column * count + j] * scaled[Int(pixel)]
                                        }
                                        filtered[rowSlot * rowLength + column * 3 + channel] = rowValue
                                    }
                                }
                            }
                            values.withUnsafeMutableBufferPointer { values in
                                // Then the filtered rows combined along each output column, and clamped.
                                for row in 0 ..< resolution {
                                    for position in 0 ..< rowLength {
                                        var value: Float = 0
                                        for i in 0 ..< count {
                                            let source = slot[index[row * count + i]]
                                            value += weight[row * count + i] * filtered[source * rowLength + position]
                                        }
                                        values[row * rowLength + position] = min(max(value, -1), 1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return try HostTensor(shape: [1, resolution, resolution, 3], data: values)
    }
}

extension RGBImage {
    /// Side of the images a 32×32 model pads rather than resizes: Fashion-MNIST's (and MNIST's) 28×28.
    public static let paddedSide = 28

    /// An encoder's input of `resolution`²: a 28×28 image going to a 32×32 model gets 2 px of black on every side, as
    /// the default model was trained (`docs/default-model.md`); any other image is `centerSquareTensor(resolution:)`.
    public func modelInput(resolution: Int) throws -> HostTensor {
        let border = (resolution - Self.paddedSide) / 2
        guard width == Self.paddedSide, height == Self.paddedSide, resolution == Self.paddedSide + 4 else {
            return try centerSquareTensor(resolution: resolution)
        }
        var values = [Float](repeating: -1, count: resolution * resolution * 3)
        for y in 0 ..< height {
            for x in 0 ..< width {
                for channel in 0 ..< 3 {
                    values[((y + border) * resolution + x + border) * 3 + channel] =
                        Float(pixels[(y * width + x) * 3 + channel]) / 127.5 - 1
                }
            }
        }
        return try HostTensor(shape: [1, resolution, resolution, 3], data: values)
    }
}
