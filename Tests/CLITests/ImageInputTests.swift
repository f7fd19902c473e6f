import BigBiGANIO
import Foundation
import Tensors
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `bigbigan encode`'s image inputs end to end: damaged and huge images, names that are not UTF-8, special files
/// named like images, and the memory a folder takes.
@Suite("bigbigan image inputs", .serialized)
struct ImageInputTests {
    /// Synthetic ResNet-50 weights of width 8 (generator at ch 4), converted once per test run into the build folder, so
    /// runs load a file instead of synthesising the weights.
    static let weights = Result {
        let url = CLITests.executable.deletingLastPathComponent().appendingPathComponent(
            "image-input-tests.safetensors")
        let arguments = ["convert", "synthetic", "--width", "8", "--ch", "4", "--output", url.path]
        let result = try ByteArgumentProcess(CLITests.executable, arguments.map { Array($0.utf8) })
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": result.stderr]) }
        return url
    }

    /// A JPEG cut short with an end marker appended (libjpeg would pad it with grey) stops `encode`, naming the file
    /// and the damage; under `--on-error skip` it is left out and the good image is encoded alone.
    @Test func damagedJPEGsStopOrAreSkipped() throws {
        let images = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: images) }
        let image = try Self.noiseImage(width: 64, height: 48)
        try ImageFile.writePNG(image, to: images.appendingPathComponent("good.png"))
        let damaged = images.appendingPathComponent("damaged.jpg")
        try ImageFile.writeJPEG(image, to: damaged)
        let bytes = try Data(contentsOf: damaged)
        try (bytes.prefix(bytes.count * 2 / 3) + [0xFF, 0xD9]).write(to: damaged)

        let stop = try encode([images.path])
        #expect(stop.run.status != 0 && stop.run.stderr.contains("damaged.jpg: corrupt image"), "\(stop.run.stderr)")
        #expect(stop.inputs == nil)
        let skip = try encode([images.path], options: ["--on-error", "skip"])
        #expect(skip.run.status == 0 && skip.run.stderr.contains("skipping \(damaged.path)"), "\(skip.run.stderr)")
        #expect(skip.inputs == [images.appendingPathComponent("good.png").path])
    }

    /// Names that are not UTF-8 are found, given alone or in a folder, and named in the output with each such byte as
    /// `\xNN` (before: "No such file", and the folder's file lost).
    @Test func namesThatAreNotUTF8Work() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let alone = Array(directory.path.utf8) + Array("/a".utf8) + [0xFF] + Array(".png".utf8)
        try Self.writePNG(to: alone)
        let folder = directory.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.writePNG(to: Array(folder.path.utf8) + Array("/b".utf8) + [0xE9, 0xFE] + Array(".png".utf8))
        try Self.writePNG(to: Array(folder.appendingPathComponent("c.png").path.utf8))

        let single = try encode([alone])
        #expect(single.run.status == 0, "\(single.run.stderr)")
        #expect(single.inputs == [directory.path + "/a\\xFF.png"])
        let scanned = try encode([Array(folder.path.utf8)])
        #expect(scanned.run.status == 0, "\(scanned.run.stderr)")
        #expect(scanned.inputs == [folder.path + "/b\\xE9\\xFE.png", folder.appendingPathComponent("c.png").path])
    }

    /// A FIFO, a device and a directory named like images are refused by their type, before any open (a FIFO would
    /// block), in plain words; `--on-error skip` leaves them out.
    @Test func specialFilesNamedLikeImagesSayWhatTheyAre() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writePNG(to: Array(folder.appendingPathComponent("good.png").path.utf8))
        #expect(mkfifo(folder.appendingPathComponent("fifo.png").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("device.png").path, withDestinationPath: "/dev/null")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("folder.png"), withIntermediateDirectories: true)

        let stop = try encode([folder.path], timeLimit: 120)
        #expect(
            stop.run.status > 0 && stop.run.stderr.contains("device.png: cannot read: it is a character device"),
            "\(stop.run.stderr)")
        let skip = try encode([folder.path], options: ["--on-error", "skip"], timeLimit: 120)
        #expect(skip.run.status == 0, "\(skip.run.stderr)")
        #expect(skip.inputs == [folder.appendingPathComponent("good.png").path])
        for message in [
            "device.png: cannot read: it is a character device, not a regular file",
            "fifo.png: cannot read: it is a FIFO (named pipe), not a regular file",
            "folder.png: cannot read: it is a directory, not a regular file",
        ] {
            #expect(skip.run.stderr.contains(message), "\(skip.run.stderr)")
        }
        #expect(!skip.run.stderr.contains("NSCocoaErrorDomain"))
    }

    /// An 8192×8192 PNG and a 20000×20000 JPEG (each of one colour, so small files) are encoded within 700 MiB of
    /// resident memory: the crop and resize read the 8-bit pixels (before, a full-size float copy took the PNG near
    /// 1 GiB and the JPEG near 6 GiB), and the JPEG is decoded at 1/8 scale.
    @Test func largeImagesEncodeInBoundedMemory() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("8192.png")
        let flat = [UInt8](repeating: 90, count: 8192 * 8192 * 3)
        try ImageFile.writePNG(RGBImage(width: 8192, height: 8192, pixels: flat), to: png)
        let jpeg = directory.appendingPathComponent("20000.jpg")
        try Self.flatGreyJPEG(side: 20000, directory: directory).write(to: jpeg)
        for image in [png, jpeg] {
            let result = try encode([image.path])
            #expect(result.run.status == 0, "\(result.run.stderr)")
            let mebibytes = try #require(result.run.peakResidentBytes) >> 20
            #expect(mebibytes < 700, "\(image.lastPathComponent): peak resident memory \(mebibytes) MiB")
        }
    }

    /// A folder is read a batch at a time. Weights whose head overflows end each run at its first forward pass (the
    /// features are not finite), so a run's peak memory is what it holds up to then: 100 images cost no more than
    /// 2 (before, every image was decoded to floats first, 0.75 MiB each, about 75 MiB more). On the Vulkan device,
    /// whose forward pass, not the loading of the weights file, sets the peak.
    @Test func aFolderHoldsOneBatchAtATime() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var overflowing = try SafetensorsFile.read(Self.weights.get())
        for layer in ["linear_1", "linear_2"] {
            let name = "GenEncWrapper/Encoder/head/\(layer)/w"
            let layerWeights = try #require(overflowing.tensors[name])
            overflowing.tensors[name]?.data = layerWeights.data.map { $0 * 1e20 }
        }
        let weights = directory.appendingPathComponent("overflowing.safetensors")
        try overflowing.write(to: weights)
        var peaks: [Int] = []
        for count in [2, 100] {
            let folder = directory.appendingPathComponent("\(count)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0 ..< count {
                try ImageFile.writePNG(
                    Self.noiseImage(width: 16, height: 16), to: folder.appendingPathComponent("\(i).png"))
            }
            let result = try encode([folder.path], options: ["--batch-size", "2"], weights: weights, device: "0")
            #expect(result.run.status != 0 && result.run.stderr.contains("infinite"), "\(result.run.stderr)")
            peaks.append(try #require(result.run.peakResidentBytes))
        }
        let extra = (peaks[1] - peaks[0]) >> 20
        #expect(extra < 20, "100 images take \(extra) MiB more than 2 up to the first forward pass")
    }

    // MARK: helpers

    /// Runs `encode` on `inputs` on `device` with `weights` (default: the shared ones); returns the run and the names
    /// of the encoded inputs from the output's metadata (nil when nothing was written).
    private func encode(
        _ inputs: [[UInt8]], options: [String] = [], weights: URL? = nil, device: String = "cpu",
        timeLimit: Double = 300
    ) throws -> (run: ByteArgumentProcess, inputs: [String]?) {
        let outputs = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outputs) }
        let output = outputs.appendingPathComponent("features.safetensors")
        let weights = try weights ?? Self.weights.get()
        let arguments =
            [Array("encode".utf8)] + inputs
            + (["--weights", weights.path, "--device", device, "--output", output.path] + options).map {
                Array($0.utf8)
            }
        let run = try ByteArgumentProcess(CLITests.executable, arguments, timeLimit: timeLimit)
        guard FileManager.default.fileExists(atPath: output.path) else { return (run, nil) }
        let metadata = try SafetensorsFile.read(output).metadata["inputs"] ?? ""
        return (run, try JSONDecoder().decode([String].self, from: Data(metadata.utf8)))
    }

    private func encode(
        _ inputs: [String], options: [String] = [], weights: URL? = nil, device: String = "cpu",
        timeLimit: Double = 300
    ) throws -> (run: ByteArgumentProcess, inputs: [String]?) {
        try encode(
            inputs.map { Array($0.utf8) }, options: options, weights: weights, device: device, timeLimit: timeLimit)
    }

    private static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bigbigan-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A deterministic image with no smoothness.
    private static func noiseImage(width: Int, height: Int) throws -> RGBImage {
        try RGBImage(
            width: width, height: height,
            pixels: (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 * 97 + 13) })
    }

    /// Writes a small PNG at a path given as bytes (`Data.write` takes a `URL`, which cannot hold every name).
    private static func writePNG(to path: [UInt8]) throws {
        let stagingFolder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: stagingFolder) }
        let staging = stagingFolder.appendingPathComponent("staging.png")
        try ImageFile.writePNG(noiseImage(width: 40, height: 30), to: staging)
        let renamed = (path + [0]).withUnsafeBufferPointer { target in
            target.withMemoryRebound(to: CChar.self) { rename(staging.path, $0.baseAddress!) }
        }
        #expect(renamed == 0, "rename: \(String(cString: strerror(errno)))")
    }

    /// A valid `side`×`side` JPEG of flat grey 128 (a multiple of 16) in 4 bytes per 16×16 block: the headers of a
    /// 16×16 one with its size patched, then that one's entropy-coded block repeated for every block. With 4:2:0
    /// sampling a block is four luma and two chroma 8×8 blocks whose DC differences and AC coefficients are all zero:
    /// 4 × (2 + 4) + 2 × (2 + 2) = 32 bits of the standard Huffman codes, so repeating it keeps byte alignment.
    private static func flatGreyJPEG(side: Int, directory: URL) throws -> Data {
        let small = directory.appendingPathComponent("grey16.jpg")
        try ImageFile.writeJPEG(
            RGBImage(width: 16, height: 16, pixels: [UInt8](repeating: 128, count: 16 * 16 * 3)), to: small)
        var bytes = [UInt8](try Data(contentsOf: small))
        func marker(_ code: UInt8) throws -> Int {
            try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == code })
        }
        let frame = try marker(0xC0)
        let size = [UInt8(side >> 8), UInt8(side & 0xFF)]
        bytes.replaceSubrange(frame + 5 ..< frame + 9, with: size + size)
        let scan = try marker(0xDA)
        let scanData = scan + 2 + (Int(bytes[scan + 2]) << 8 | Int(bytes[scan + 3]))
        let block = Array(bytes[scanData ..< bytes.count - 2])
        try #require(block.count == 4, "entropy-coded block \(block)")
        var jpeg = Data(bytes[..<scanData])
        jpeg.append(contentsOf: Array(repeating: block, count: (side / 16) * (side / 16)).joined())
        jpeg.append(contentsOf: [0xFF, 0xD9])
        return jpeg
    }
}
