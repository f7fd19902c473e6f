import FileAccess
import Foundation
import Testing

@testable import BigBiGANIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct ImageFileTests {
    /// A deterministic image with every byte value represented and no smoothness (hard for lossy codecs).
    static func noiseImage(width: Int, height: Int) throws -> RGBImage {
        try RGBImage(
            width: width, height: height,
            pixels: (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 * 97 + 13) })
    }

    /// A smooth gradient, which JPEG reproduces closely.
    static func gradientImage(width: Int, height: Int) throws -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0 ..< height {
            for x in 0 ..< width {
                pixels += [
                    UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)),
                    UInt8((x + y) * 255 / (width + height - 2)),
                ]
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    func expectError(_ kind: ImageIOError.Kind, reading url: URL, mentioning words: String? = nil) {
        do {
            let image = try ImageFile.read(url)
            Issue.record("expected \(kind), decoded a \(image.width)x\(image.height) image")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.path == url.path)
            #expect(error.description.contains(url.lastPathComponent))
            if let words { #expect(error.detail.contains(words), "\(error)") }
        }
    }

    @Test func pngRoundTripIsExact() throws {
        let directory = try TemporaryDirectory()
        let image = try Self.noiseImage(width: 7, height: 5)
        let url = directory.file("noise.png")
        try ImageFile.writePNG(image, to: url)
        #expect(try ImageFile.read(url) == image)
        #expect(try directory.contents() == ["noise.png"])  // the temporary file was renamed, not left behind
    }

    @Test func jpegRoundTripIsClose() throws {
        let directory = try TemporaryDirectory()
        let image = try Self.gradientImage(width: 32, height: 24)
        let url = directory.file("gradient.jpg")
        try ImageFile.writeJPEG(image, to: url, quality: 95)
        let decoded = try ImageFile.read(url)
        #expect(decoded.width == 32 && decoded.height == 24)
        // JPEG is lossy: 4:2:0 chroma subsampling and quantisation at quality 95 move a smooth gradient by a few levels.
        let differences = zip(image.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        #expect(differences.max() ?? 0 <= 16, "max |difference| \(differences.max() ?? 0)")
        #expect(mean <= 2, "mean |difference| \(mean)")
    }

    @Test func formatComesFromTheBytesNotTheName() throws {
        let directory = try TemporaryDirectory()
        let image = try Self.noiseImage(width: 3, height: 2)
        let url = directory.file("actually-a-png.jpg")
        try ImageFile.writePNG(image, to: url)
        #expect(try ImageFile.read(url) == image)
    }

    @Test func greyscalePNGsBecomeRGB() throws {
        let directory = try TemporaryDirectory()
        let gray8 = try ImageFile.read(directory.write(Fixtures.bytes(Fixtures.gray8PNG), as: "gray8.png"))
        #expect(gray8.width == 3 && gray8.height == 2)
        #expect(gray8.pixels == [0, 128, 255, 10, 20, 30].flatMap { [$0, $0, $0] })
        let gray16 = try ImageFile.read(directory.write(Fixtures.bytes(Fixtures.gray16PNG), as: "gray16.png"))
        #expect(gray16.pixels == [0, 255, 128].flatMap { [$0, $0, $0] })
        let gray1 = try ImageFile.read(directory.write(Fixtures.bytes(Fixtures.gray1PNG), as: "gray1.png"))
        #expect(gray1.pixels == [255, 0, 255].flatMap { [$0, $0, $0] })
    }

    @Test func alphaIsDroppedAndPalettesExpanded() throws {
        let directory = try TemporaryDirectory()
        let rgba = try ImageFile.read(directory.write(Fixtures.bytes(Fixtures.rgbaPNG), as: "rgba.png"))
        #expect(rgba.width == 2 && rgba.height == 2)
        #expect(rgba.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
        let palette = try ImageFile.read(directory.write(Fixtures.bytes(Fixtures.palettePNG), as: "palette.png"))
        #expect(palette.pixels == [255, 0, 0, 0, 0, 255])
    }

    @Test func greyscaleAndCMYKJPEGsBecomeRGB() throws {
        let directory = try TemporaryDirectory()
        let gray = try ImageCodecs.encodeJPEG(
            pixels: [UInt8](repeating: 200, count: 16 * 8), width: 16, height: 8, components: 1, quality: 90)
        let grayImage = try ImageFile.read(directory.write(Data(gray), as: "gray.jpg"))
        // A flat image survives JPEG up to rounding of the DC coefficient.
        #expect(grayImage.pixels.allSatisfy { abs(Int($0) - 200) <= 1 })
        // Adobe CMYK stores inverted ink: (255, 0, 0, 255) is "no cyan, full magenta and yellow, no black", i.e. red.
        let cmyk = try ImageCodecs.encodeJPEG(
            pixels: Array(repeating: [255, 0, 0, 255], count: 16 * 8).flatMap { $0 },
            width: 16, height: 8, components: 4, quality: 90)
        let red = try ImageFile.read(directory.write(Data(cmyk), as: "cmyk.jpg"))
        for pixel in stride(from: 0, to: red.pixels.count, by: 3) {
            #expect(red.pixels[pixel] >= 253 && red.pixels[pixel + 1] <= 2 && red.pixels[pixel + 2] <= 2)
        }
    }

    @Test func truncatedPNGThrows() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("truncated.png")
        try ImageFile.writePNG(try Self.noiseImage(width: 40, height: 30), to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        expectError(.corrupt, reading: url, mentioning: "truncated")
    }

    @Test func damagedPNGDataThrows() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("damaged.png")
        try ImageFile.writePNG(try Self.noiseImage(width: 40, height: 30), to: url)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0xFF  // inside IDAT: its CRC no longer matches
        try bytes.write(to: url)
        expectError(.corrupt, reading: url)
    }

    @Test func garbageWithAPNGNameThrows() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write(Data("this is not an image at all".utf8), as: "garbage.png")
        expectError(.unrecognizedFormat, reading: url, mentioning: "signature")
        expectError(.unrecognizedFormat, reading: try directory.write(Data(), as: "empty.png"), mentioning: "empty")
        expectError(.unrecognizedFormat, reading: try directory.write(Data([0x89, 0x50]), as: "short.png"))
    }

    @Test func truncatedJPEGThrows() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("truncated.jpg")
        try ImageFile.writeJPEG(try Self.noiseImage(width: 40, height: 30), to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count * 2 / 3).write(to: url)
        expectError(.corrupt, reading: url, mentioning: "truncated")
        // Cut inside the headers instead of the entropy-coded data.
        try bytes.prefix(40).write(to: url)
        expectError(.corrupt, reading: url)
    }

    /// Damage libjpeg only warns about (padding the image with grey or guessing) is an error: the entropy-coded data
    /// cut short with an end marker appended, stray bytes before the end marker, a restart marker where none belongs.
    @Test(arguments: ["cut short, end marker appended", "extraneous bytes before the end", "stray restart marker"])
    func damagedJPEGDataThrows(damage: String) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("damaged.jpg")
        try ImageFile.writeJPEG(try Self.noiseImage(width: 64, height: 48), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        let end = bytes.count - 2  // the end-of-image marker FF D9
        switch damage {
        case "cut short, end marker appended": bytes = Array(bytes.prefix(bytes.count * 2 / 3)) + [0xFF, 0xD9]
        case "extraneous bytes before the end": bytes.insert(contentsOf: [UInt8](repeating: 0x5A, count: 64), at: end)
        default: bytes.replaceSubrange(end - 300 ..< end - 298, with: [0xFF, 0xD3])
        }
        try Data(bytes).write(to: url)
        expectError(.corrupt, reading: url, mentioning: "Corrupt JPEG data")
    }

    /// A header claiming more pixels than the reader accepts is refused before any pixel is decoded, with a message
    /// giving the size and the limit; a JPEG counts at the scale it would be decoded at.
    @Test func headersClaimingTooManyPixelsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let png = directory.file("huge.png")
        try ImageFile.writePNG(try Self.noiseImage(width: 1, height: 1), to: png)
        var pngBytes = [UInt8](try Data(contentsOf: png))
        pngBytes.replaceSubrange(16 ..< 24, with: [0, 0, 0x75, 0x30, 0, 0, 0x4E, 0x20])  // IHDR: 30000 × 20000
        let crc = pngBytes[12 ..< 29].withUnsafeBytes { ZipArchive.crc32($0) }
        pngBytes.replaceSubrange(29 ..< 33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        try Data(pngBytes).write(to: png)
        expectError(.tooLarge, reading: png, mentioning: "30000x20000 is 600000000 pixels, more than the 536870912")

        let jpeg = directory.file("huge.jpg")
        try ImageFile.writeJPEG(try Self.noiseImage(width: 16, height: 16), to: jpeg)
        var jpegBytes = [UInt8](try Data(contentsOf: jpeg))
        let frame = try #require(jpegBytes.indices.first { jpegBytes[$0] == 0xFF && jpegBytes[$0 + 1] == 0xC0 })
        jpegBytes.replaceSubrange(frame + 5 ..< frame + 9, with: [0xFD, 0xE8, 0xFD, 0xE8])  // SOF0: 65000 × 65000
        try Data(jpegBytes).write(to: jpeg)
        expectError(.tooLarge, reading: jpeg, mentioning: "65000x65000")
        // At 1/8 scale the same header is 8125 × 8125, within the limit: the decode starts and finds the data short.
        #expect(
            throws: ImageIOError(
                path: jpeg.path, kind: .corrupt, detail: "Corrupt JPEG data: premature end of data segment")
        ) {
            try ImageFile.read(jpeg, shortSideAtLeast: 256)
        }
    }

    /// A progressive JPEG keeps every coefficient until its last scan; one claiming 20000×20000 (1.2 GB of
    /// coefficients, even when decoded at 1/8) is refused before libjpeg allocates them.
    @Test func progressiveJPEGsNeedingTooMuchMemoryAreRefused() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("progressive.jpg")
        try ImageFile.writeJPEG(try Self.noiseImage(width: 16, height: 16), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        let frame = try #require(bytes.indices.first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[frame + 1] = 0xC2  // SOF2: progressive
        bytes.replaceSubrange(frame + 5 ..< frame + 9, with: [0x4E, 0x20, 0x4E, 0x20])  // 20000 × 20000
        try Data(bytes).write(to: url)
        #expect(
            throws: ImageIOError(
                path: url.path, kind: .tooLarge,
                detail: "decoding needs more than the 1024 MiB of working memory allowed")
        ) { try ImageFile.read(url, shortSideAtLeast: 256) }
    }

    /// With `shortSideAtLeast`, a JPEG is decoded at the smallest of 1, 1/2, 1/4, 1/8 that keeps its shorter side at
    /// least that long; a PNG is not scaled.
    @Test func jpegsDecodeAtAReducedScaleWhenAsked() throws {
        let directory = try TemporaryDirectory()
        let image = try Self.gradientImage(width: 64, height: 48)
        let url = directory.file("gradient.jpg")
        try ImageFile.writeJPEG(image, to: url, quality: 95)
        for (shortSide, width, height) in [
            (48, 64, 48), (25, 64, 48), (24, 32, 24), (13, 32, 24), (12, 16, 12), (1, 8, 6),
        ] {
            let decoded = try ImageFile.read(url, shortSideAtLeast: shortSide)
            #expect(decoded.width == width && decoded.height == height, "at least \(shortSide)")
        }
        // At 1/8 each pixel is its 8×8 block's mean: the gradient's block means, up to JPEG's loss.
        let eighth = try ImageFile.read(url, shortSideAtLeast: 1)
        for blockY in 0 ..< 6 {
            for blockX in 0 ..< 8 {
                for channel in 0 ..< 3 {
                    var sum = 0
                    for y in blockY * 8 ..< blockY * 8 + 8 {
                        for x in blockX * 8 ..< blockX * 8 + 8 { sum += Int(image.pixels[(y * 64 + x) * 3 + channel]) }
                    }
                    let decoded = Int(eighth.pixels[(blockY * 8 + blockX) * 3 + channel])
                    #expect(abs(decoded - sum / 64) <= 4, "block (\(blockX), \(blockY)) channel \(channel)")
                }
            }
        }
        let png = directory.file("gradient.png")
        try ImageFile.writePNG(image, to: png)
        #expect(try ImageFile.read(png, shortSideAtLeast: 1) == image)
    }

    @Test func missingFileThrows() throws {
        let directory = try TemporaryDirectory()
        expectError(.unreadable, reading: directory.file("missing.png"))
    }

    /// A file whose name is not UTF-8 (which `URL` and `String` cannot hold) reads through its bytes, and errors name
    /// such a file with `\xNN` for each byte that is not UTF-8.
    @Test func namesThatAreNotUTF8Read() throws {
        let directory = try TemporaryDirectory()
        let image = try Self.noiseImage(width: 5, height: 4)
        let staging = directory.file("staging.png")
        try ImageFile.writePNG(image, to: staging)
        let folder = SystemPath(directory.url.path)
        let path = folder.appending(Array("caf".utf8) + [0xE9, 0xFF] + Array(".png".utf8))
        #expect(path.withCString { rename(staging.path, $0) } == 0)
        #expect(try ImageFile.read(path) == image)
        #expect(path.description == directory.url.path + "/caf\\xE9\\xFF.png")
        #expect(folder.appending(Array("é.png".utf8)).description == directory.url.path + "/é.png")
        do {
            _ = try ImageFile.read(folder.appending([0xFE] + Array(".png".utf8)))
            Issue.record("read a missing file")
        } catch {
            #expect(error.description == directory.url.path + "/\\xFE.png: cannot read: No such file or directory")
        }
    }

    /// A FIFO, a device and a directory named like images are refused by their type, in plain words, and never opened
    /// (opening a FIFO would wait for a writer).
    @Test func specialFilesAreRefusedByTheirType() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("fifo.png")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        expectError(.unreadable, reading: fifo, mentioning: "it is a FIFO (named pipe), not a regular file")
        let folder = directory.file("folder.png")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        expectError(.unreadable, reading: folder, mentioning: "it is a directory, not a regular file")
        expectError(
            .unreadable, reading: URL(fileURLWithPath: "/dev/null"),
            mentioning: "it is a character device, not a regular file")
    }

    @Test func failedWriteLeavesTheOldFileAlone() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("kept.jpg")
        let image = try Self.noiseImage(width: 4, height: 4)
        try ImageFile.writePNG(image, to: url)
        #expect(throws: ImageIOError.self) { try ImageFile.writeJPEG(image, to: url, quality: 0) }
        #expect(try ImageFile.read(url) == image)
        #expect(try directory.contents() == ["kept.jpg"])
        do {
            try ImageFile.writePNG(image, to: directory.file("no-such-directory/out.png"))
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.kind == .writeFailed)
            #expect(error.description.contains("out.png"))
        }
    }
}
