import Tensors

extension RGBImage {
    /// The image as a [1, H, W, 3] tensor scaled to [-1, 1] by `x / 127.5 - 1`.
    public func tensor() -> HostTensor {
        // Safe: the element count matches the shape by construction.
        try! HostTensor(shape: [1, height, width, 3], data: pixels.map { Float($0) / 127.5 - 1 })
    }

    /// The image at `index` of an NHWC tensor with 3 channels in [-1, 1]: `(x + 1) * 127.5`, rounded and clamped to
    /// 0...255 (NaN becomes 0).
    public init(tensor: HostTensor, index: Int = 0) throws {
        let (n, h, w, c) = try tensor.shape.nhwc("RGBImage(tensor:)")
        guard c == 3 else {
            throw TensorError.shapeMismatch(op: "RGBImage(tensor:)", "expected 3 channels, got \(tensor.shape)")
        }
        guard (0 ..< n).contains(index) else {
            throw TensorError.unsupported(op: "RGBImage(tensor:)", "image \(index) of a batch of \(n)")
        }
        let perImage = h * w * 3
        let values = tensor.data[index * perImage ..< (index + 1) * perImage]
        try self.init(width: w, height: h, pixels: values.map(Self.byte(fromUnit:)))
    }

    static func byte(fromUnit value: Float) -> UInt8 {
        let scaled = ((value + 1) * 127.5).rounded()
        guard scaled > 0 else { return 0 }  // also NaN
        return scaled >= 255 ? 255 : UInt8(scaled)
    }
}

extension HostTensor {
    /// Stacks same-sized images into an [N, H, W, 3] tensor in [-1, 1].
    public init(images: [RGBImage]) throws {
        guard let first = images.first else { throw TensorError.invalidData("no images to stack") }
        guard images.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            let sizes = images.map { "\($0.width)x\($0.height)" }.joined(separator: ", ")
            throw TensorError.shapeMismatch(op: "HostTensor(images:)", "images of different sizes: \(sizes)")
        }
        let data = images.flatMap { $0.pixels.map { Float($0) / 127.5 - 1 } }
        try self.init(shape: [images.count, first.height, first.width, 3], data: data)
    }

    /// Every image of an [N, H, W, 3] tensor in [-1, 1].
    public func rgbImages() throws -> [RGBImage] {
        let (n, _, _, _) = try shape.nhwc("rgbImages")
        return try (0 ..< n).map { try RGBImage(tensor: self, index: $0) }
    }
}

/// Tiles images into one picture.
public enum ImageGrid {
    /// Lays same-sized images out row by row in `columns` columns (default `ceil(sqrt(N))`), with `padding` pixels of
    /// `fill` grey between cells and around the edge.
    public static func compose(_ images: [RGBImage], columns: Int? = nil, padding: Int = 2, fill: UInt8 = 0) throws
        -> RGBImage
    {
        guard let first = images.first else { throw TensorError.invalidData("no images for a grid") }
        guard images.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw TensorError.shapeMismatch(
                op: "ImageGrid", "all images must have the size of the first, \(first.width)x\(first.height)")
        }
        let columns = columns ?? Int(Double(images.count).squareRoot().rounded(.up))
        guard columns > 0, padding >= 0 else {
            throw TensorError.unsupported(
                op: "ImageGrid", "columns \(columns) must be positive and padding \(padding) not negative")
        }
        let rows = (images.count + columns - 1) / columns
        let cellWidth = first.width + padding
        let cellHeight = first.height + padding
        let width = columns * cellWidth + padding
        let height = rows * cellHeight + padding
        var pixels = [UInt8](repeating: fill, count: width * height * 3)
        for (i, image) in images.enumerated() {
            let left = padding + (i % columns) * cellWidth
            let top = padding + (i / columns) * cellHeight
            let rowBytes = image.width * 3
            for y in 0 ..< image.height {
                let destination = ((top + y) * width + left) * 3
                pixels.replaceSubrange(
                    destination ..< destination + rowBytes, with: image.pixels[y * rowBytes ..< (y + 1) * rowBytes])
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A grid of the images of an [N, H, W, 3] tensor in [-1, 1].
    public static func compose(_ images: HostTensor, columns: Int? = nil, padding: Int = 2, fill: UInt8 = 0) throws
        -> RGBImage
    {
        try compose(images.rgbImages(), columns: columns, padding: padding, fill: fill)
    }
}

extension RGBImage {
    /// The image `factor`× larger by nearest neighbour (each pixel a `factor`×`factor` block), for viewing small
    /// images; `factor` must be in 1…64.
    public func enlarged(by factor: Int) throws -> RGBImage {
        guard (1 ... 64).contains(factor) else {
            throw TensorError.unsupported(op: "enlarged", "factor \(factor) is outside 1…64")
        }
        guard factor > 1 else { return self }
        let outWidth = width * factor
        var out = [UInt8](repeating: 0, count: outWidth * height * factor * 3)
        for y in 0 ..< height * factor {
            for x in 0 ..< outWidth {
                let source = ((y / factor) * width + x / factor) * 3
                let destination = (y * outWidth + x) * 3
                out[destination] = pixels[source]
                out[destination + 1] = pixels[source + 1]
                out[destination + 2] = pixels[source + 2]
            }
        }
        return try RGBImage(width: outWidth, height: height * factor, pixels: out)
    }
}
