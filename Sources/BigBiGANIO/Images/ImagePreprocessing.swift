import Tensors

extension RGBImage {
    /// The BigBiGAN encoder's input, as the BigBiGAN colab prepares it: the largest centred square (an odd excess drops
    /// its extra column or row on the right or bottom), resized to `resolution`² by Keys bicubic (a = −0.5, half-pixel
    /// centres, edges clamped), scaled by `x / 127.5 − 1` and clamped to [-1, 1] against the cubic's overshoot; a
    /// [1, resolution, resolution, 3] tensor.
    ///
    /// Computed from the 8-bit pixels in one pass, so only the output is ever in float: the values are those of
    /// cropping, converting with `tensor()` and resizing with `CPUBackend.resize`, bit for bit, without a full-size
    /// float copy of a large photo.
    public func centerSquareTensor(resolution: Int) throws -> HostTensor {
        guard resolution >= 1 else {
            throw TensorError.unsupported(op: "centerSquareTensor", "resolution \(resolution)")
        }
        let side = min(width, height)
        let left = (width - side) / 2
        let top = (height - side) / 2
        let taps = ResizeTaps(
            input: side, output: resolution,
            ResizeOptions(
                height: resolution, width: resolution, method: .bicubic, coordinates: .halfPixel, cubicCoefficient: -0.5
            ))
        var values = [Float](repeating: 0, count: resolution * resolution * 3)
        pixels.withUnsafeBufferPointer { pixels in
            for row in 0 ..< resolution {
                for column in 0 ..< resolution {
                    for channel in 0 ..< 3 {
                        // The order of CPUBackend.resize: filter along each source row, then combine the rows.
                        var value: Float = 0
                        for i in 0 ..< taps.count {
                            let rowStart = (top + taps.index[row * taps.count + i]) * width + left
                            var rowValue: Float = 0
                            for j in 0 ..< taps.count {
                                let pixel = pixels[(rowStart + taps.index[column * taps.count + j]) * 3 + channel]
                                rowValue += taps.weight[column * taps.count + j] * (Float(pixel) / 127.5 - 1)
                            }
                            value += taps.weight[row * taps.count + i] * rowValue
                        }
                        values[(row * resolution + column) * 3 + channel] = min(max(value, -1), 1)
                    }
                }
            }
        }
        return try HostTensor(shape: [1, resolution, resolution, 3], data: values)
    }
}
