import BigBiGANIO
import Foundation
import Tensors
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Outputs: an empty batch replaces nothing, an output never overwrites an input, its location is checked before
/// the compute, a reused --output-dir holds only the new samples, and no temporary outlives a run.
extension CLITests {
    /// A .npy of no images (encode) or no latents (generate) is an error, and the earlier output stays.
    @Test func anEmptyBatchIsAnErrorAndReplacesNothing() throws {
        let dir = try temporaryDirectory()
        let empty = dir.appendingPathComponent("empty.npy")
        try NPYFile.write(HostTensor(zeros: [0, 256, 256, 3]), to: empty)
        let noLatents = dir.appendingPathComponent("z.npy")
        try NPYFile.write(HostTensor(zeros: [0, 120]), to: noLatents)
        let features = dir.appendingPathComponent("f.safetensors")
        let images = dir.appendingPathComponent("x.npy")
        for file in [features, images] { try Data("earlier output".utf8).write(to: file) }
        for arguments in [
            [
                "encode", empty.path, "--weights", "synthetic", "--width", "32", "--device", "cpu", "--output",
                features.path,
            ],
            [
                "generate", "--z", noLatents.path, "--weights", "synthetic", "--ch", "4", "--device", "cpu", "--output",
                images.path,
            ],
        ] {
            let result = try run(arguments)
            #expect(result.status == 1 && !result.stderr.contains("Usage:"), "\(arguments[0]): \(result.stderr)")
        }
        for file in [features, images] { #expect(try Data(contentsOf: file) == Data("earlier output".utf8)) }
    }

    /// `reconstruct a.png --output a.png` destroyed the photo; now an output that is an input (by any spelling) or
    /// lies in a folder read for inputs is refused before any work.
    @Test func anOutputThatIsAnInputIsRefused() throws {
        let dir = try temporaryDirectory()
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let photo = photos.appendingPathComponent("a.png")
        try ImageFile.writePNG(RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 7, count: 192)), to: photo)
        let original = try Data(contentsOf: photo)
        let z = dir.appendingPathComponent("z.npy")
        try NPYFile.write(HostTensor(zeros: [1, 120]), to: z)
        for arguments in [
            ["reconstruct", photo.path, "--output", photo.path],
            ["reconstruct", photo.path, "--output", photos.path + "/../photos/./a.png"],
            ["reconstruct", photos.path, "--output", photos.appendingPathComponent("grid.png").path],
            ["encode", photos.path, "--output", photos.appendingPathComponent("f.npz").path],
            ["generate", "--z", z.path, "--output", z.path],
        ] {
            let result = try run(arguments + ["--device", "cpu"])
            #expect(
                result.status == 64 && !result.stderr.contains("SYNTHETIC")
                    && (result.stderr.contains("is the input") || result.stderr.contains("read for input images")),
                "\(arguments): \(result.stderr)")
        }
        #expect(try Data(contentsOf: photo) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: photos.path) == ["a.png"])
        #expect(try NPYFile.read(z) == HostTensor(zeros: [1, 120]))
    }

    /// An output that cannot be written fails before the weights are loaded or anything is computed.
    @Test func theOutputLocationIsCheckedBeforeTheCompute() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("file")
        try Data().write(to: file)
        let folder = dir.appendingPathComponent("taken.png")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for arguments in [
            ["--output", dir.appendingPathComponent("missing/x.npy").path], ["--output", folder.path],
            ["--output-dir", file.appendingPathComponent("samples").path],
        ] {
            let result = try run(
                ["generate", "--count", "1", "--weights", "synthetic", "--ch", "4", "--device", "cpu"] + arguments)
            #expect(
                result.status == 1 && result.stderr.contains("cannot write") && !result.stderr.contains("SYNTHETIC"),
                "\(arguments): \(result.stderr)")
        }
    }

    /// A smaller run into a used --output-dir leaves exactly its own samples, names the earlier ones it removed, and
    /// leaves other files alone.
    @Test func aReusedOutputDirHoldsOnlyTheNewSamples() throws {
        let dir = try temporaryDirectory()
        let samples = dir.appendingPathComponent("samples")
        try expectSuccess([
            "generate", "--count", "3", "--weights", "synthetic", "--ch", "4", "--device", "0", "--output-dir",
            samples.path,
        ])
        try Data("mine".utf8).write(to: samples.appendingPathComponent("notes.txt"))
        let again = try run([
            "generate", "--count", "2", "--weights", "synthetic", "--ch", "4", "--device", "0", "--output-dir",
            samples.path,
        ])
        #expect(again.status == 0 && again.stderr.contains("sample_00002.png"), "\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted() == [
                "notes.txt", "sample_00000.png", "sample_00001.png",
            ])
    }

    /// SIGINT and SIGTERM during a long run remove the temporary file (or staging folder), keep the earlier output,
    /// and end with the shell's status for the signal.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalRemovesTheTemporary(signal: Int32, status: Int32) throws {
        let dir = try temporaryDirectory()
        let npy = dir.appendingPathComponent("x.npy")
        try Data("earlier output".utf8).write(to: npy)
        for output in [["--output", npy.path], ["--output-dir", dir.path]] {
            let process = try startLongGeneration(output)
            try waitForTemporary(in: dir)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationStatus == status, "\(output[0])")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.npy"], "\(output[0])")
        }
        #expect(try Data(contentsOf: npy) == Data("earlier output".utf8))
    }

    /// A run killed outright (SIGKILL) leaves its temporary; the next run to the same path removes it.
    @Test func aTemporaryLeftByAKilledRunIsRemovedByTheNextRun() throws {
        let dir = try temporaryDirectory()
        let npy = dir.appendingPathComponent("x.npy")
        let process = try startLongGeneration(["--output", npy.path])
        try waitForTemporary(in: dir)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 1)
        try expectSuccess([
            "generate", "--count", "1", "--weights", "synthetic", "--ch", "4", "--device", "0", "--output", npy.path,
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.npy"])
    }

    /// Starts a generation that runs for minutes, its output and messages discarded.
    private func startLongGeneration(_ output: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments =
            ["generate", "--count", "100000", "--weights", "synthetic", "--ch", "4", "--device", "0"] + output
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (up to a minute) until a hidden temporary appears in `dir`: the run is writing.
    private func waitForTemporary(in dir: URL) throws {
        for _ in 0 ..< 600 {
            if try FileManager.default.contentsOfDirectory(atPath: dir.path).contains(where: { $0.contains(".tmp-") }) {
                return
            }
            usleep(100_000)
        }
        Issue.record("no temporary appeared in \(dir.path)")
    }
}
