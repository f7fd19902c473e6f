import BigBiGANIO
import Foundation
import Tensors
import Testing

/// The default model through the tool: used without `--weights` and said so, 32×32 outputs (grids enlarged), the
/// trainer's preparation of 28×28 images, and the trainer's golden numbers (`Tests/Fixtures/default-model`) for
/// encode and discriminate from PNG files.
extension CLITests {
    static let defaultModelGolden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/default-model/golden.safetensors")

    /// The golden file's test images as 28×28 greyscale-valued PNGs (the 2 px border the trainer added dropped), named
    /// so that they sort in the golden order.
    func writeGoldenImages(in folder: URL) throws -> [String: HostTensor] {
        let golden = try SafetensorsFile.read(Self.defaultModelGolden).tensors
        let x = try #require(golden["x"])
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in 0 ..< x.shape[0] {
            var pixels: [UInt8] = []
            for row in 2 ..< 30 {
                for column in 2 ..< 30 {
                    let value = x.data[((i * 32 + row) * 32 + column) * 3]
                    pixels += Array(repeating: UInt8(((value + 1) * 127.5).rounded()), count: 3)
                }
            }
            try ImageFile.writePNG(
                RGBImage(width: 28, height: 28, pixels: pixels), to: folder.appendingPathComponent("image-\(i).png"))
        }
        return golden
    }

    /// Within 1e-4 of the golden output's range (the library's DefaultModelTests measure ≤ 3e-6 of it).
    func expectNearGolden(_ actual: HostTensor?, _ expected: HostTensor?, _ name: String) throws {
        let actual = try #require(actual, "\(name) missing")
        let expected = try #require(expected)
        #expect(actual.shape == expected.shape, "\(name): \(actual.shape) vs \(expected.shape)")
        let range = (expected.data.max() ?? 0) - (expected.data.min() ?? 0)
        let errors = ErrorStatistics(actual: actual.data, expected: expected.data)
        #expect(errors.maxAbsolute <= 1e-4 * range, "\(name): \(errors), range \(range)")
    }

    @Test func theDefaultModelRunsWithoutWeightsAndSaysSo() throws {
        let dir = try temporaryDirectory()
        let grid = dir.appendingPathComponent("grid.png")
        let result = try run(["generate", "--count", "16", "--seed", "0", "--device", "0", "--output", grid.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("using the default model") && result.stderr.contains("enlarged 4×"))
        // 4×4 cells of 32 px shown 4× (128 px), 2 px between and around.
        let image = try ImageFile.read(grid)
        #expect(image.width == 4 * 128 + 5 * 2 && image.height == image.width)
        let small = dir.appendingPathComponent("small.png")
        try expectSuccess(["generate", "--count", "4", "--zoom", "1", "--device", "cpu", "--output", small.path])
        #expect(try ImageFile.read(small).width == 2 * 32 + 3 * 2)
        let npy = dir.appendingPathComponent("images.npy")
        try expectSuccess(["generate", "--count", "3", "--device", "cpu", "--output", npy.path])
        #expect(try NPYFile.read(npy).shape == [3, 32, 32, 3])

        let sized = try run(["generate", "--count", "1", "--ch", "4", "--output", npy.path])
        #expect(sized.status == 64 && sized.stderr.contains("--weights synthetic"), "\(sized.stderr)")
        let revnet = try run(["encode", grid.path, "--encoder", "revnet50x4", "--output", "f.npz"])
        #expect(revnet.status == 1 && revnet.stderr.contains("resnet50"), "\(revnet.stderr)")
    }

    /// 28×28 PNG files are padded as the trainer pads them, so the encoder's outputs are the trainer's; the same on
    /// the CPU and on the Vulkan device.
    @Test func encodeOfFashionMNISTFilesMatchesTheTrainer() throws {
        let dir = try temporaryDirectory()
        let golden = try writeGoldenImages(in: dir.appendingPathComponent("images"))
        for device in ["cpu", "0"] {
            let out = dir.appendingPathComponent("features-\(device).safetensors")
            let result = try run([
                "encode", dir.appendingPathComponent("images").path, "--device", device, "--output", out.path,
            ])
            #expect(result.status == 0 && result.stderr.contains("using the default model"), "\(result.stderr)")
            let features = try SafetensorsFile.read(out).tensors
            for name in ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat"] {
                try expectNearGolden(features[name], golden[name], "\(device) \(name)")
            }
        }
    }

    /// The default model's discriminator runs natively on image files at its own side (no pooling) and gives the
    /// trainer's scores.
    @Test func discriminateWithTheDefaultModelMatchesTheTrainer() throws {
        let dir = try temporaryDirectory()
        let golden = try writeGoldenImages(in: dir.appendingPathComponent("images"))
        let z = dir.appendingPathComponent("z.npy")
        try NPYFile.write(try #require(golden["z"]), to: z)
        let out = dir.appendingPathComponent("scores.npz")
        let result = try run([
            "discriminate", dir.appendingPathComponent("images").path, "--z", z.path, "--device", "0", "--output",
            out.path,
        ])
        #expect(result.status == 0 && result.stderr.contains("native engine"), "\(result.stderr)")
        let scores = try NPZFile.read(out)
        for name in ["score_x", "score_z", "score_xz"] {
            try expectNearGolden(scores[name], golden[name], name)
        }
        let graph = try run([
            "discriminate", dir.appendingPathComponent("images").path, "--z", z.path, "--engine", "graph", "--output",
            out.path,
        ])
        #expect(graph.status == 1 && graph.stderr.contains("module folder"), "\(graph.stderr)")
    }

    @Test func reconstructShowsPairsEnlarged() throws {
        let dir = try temporaryDirectory()
        _ = try writeGoldenImages(in: dir.appendingPathComponent("images"))
        let out = dir.appendingPathComponent("pairs.png")
        try expectSuccess([
            "reconstruct", dir.appendingPathComponent("images").path, "--device", "0", "--output", out.path,
        ])
        // 4 pairs = 8 cells in one row, 32 px shown 4×.
        let image = try ImageFile.read(out)
        #expect(image.width == 8 * 128 + 9 * 2 && image.height == 128 + 2 * 2)
    }
}
