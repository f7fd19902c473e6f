import BigBiGANIO
import Foundation
import Tensors
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `encode` at scale: decode threads, shards and `merge`, resuming after SIGKILL, list files, class folders, and
/// memory that does not grow with the number of inputs. Runs use the width-8 synthetic weights of `ImageInputTests`.
extension CLITests {
    /// Shards 0/3, 1/3 and 2/3 merged (given in any order) are byte for byte the run without shards, which is the same
    /// with 1 or 3 decode threads; the merged .npz holds the same arrays. Each shard records the job.
    @Test func encodeShardsMergeIntoTheUnshardedBytes() throws {
        let dir = try temporaryDirectory()
        let images = dir.appendingPathComponent("images")
        try Self.writeJPEGs(
            ["a/1.jpg", "a/2.jpg", "a/3.jpg", "a/deeper/4.jpg", "b/5.jpg", "b/6.jpg", "b/7.jpg", "c/8.jpg", "c/9.jpg"],
            in: images)
        let common = try ["encode", images.path, "--classes", "--batch-size", "2", "--device", "cpu"] + Self.weights()
        var unsharded: [Data] = []
        for jobs in ["1", "3"] {
            let out = dir.appendingPathComponent("jobs\(jobs).safetensors")
            try expectSuccess(common + ["--jobs", jobs, "--output", out.path])
            unsharded.append(try Data(contentsOf: out))
        }
        #expect(unsharded[0] == unsharded[1], "--jobs 1 and 3 give the same bytes")

        var parts: [String] = []
        for index in 0 ..< 3 {
            let part = dir.appendingPathComponent("part-\(index).safetensors")
            try expectSuccess(common + ["--jobs", "2", "--shard", "\(index)/3", "--output", part.path])
            parts.append(part.path)
        }
        // 9 inputs make 5 batches of 2: shards take batches [0, 1), [1, 3), [3, 5).
        let middle = try SafetensorsFile.read(URL(fileURLWithPath: parts[1]))
        #expect(middle.tensors["z_mean"]?.shape == [4, 120] && middle.metadata["shard"] == "1/3")
        #expect(middle.metadata["input_count"] == "9" && middle.metadata["batch_size"] == "2")
        let names = try Self.inputs(of: dir.appendingPathComponent("jobs1.safetensors"))
        #expect(
            Array(names.map { String($0.dropFirst(images.path.count + 1)) }.prefix(5)) == [
                "a/1.jpg", "a/2.jpg", "a/3.jpg", "a/deeper/4.jpg", "b/5.jpg",
            ])
        #expect(middle.metadata["input_list_sha256"] == (try Self.sha256(names.map { Array($0.utf8) + [0] }.joined())))

        let tooMany = try run(
            common + ["--shard", "0/6", "--output", dir.appendingPathComponent("x.safetensors").path])
        #expect(tooMany.status == 1 && tooMany.stderr.contains("use at most 5 shards"), "\(tooMany.stderr)")

        let merged = dir.appendingPathComponent("merged.safetensors")
        try expectSuccess(["merge", merged.path, parts[2], parts[0], parts[1]])
        #expect(try Data(contentsOf: merged) == unsharded[0], "merged shards equal the run without shards")
        let npz = dir.appendingPathComponent("merged.npz")
        try expectSuccess(["merge", npz.path, parts[1], parts[2], parts[0]])
        #expect(try NPZFile.read(npz) == SafetensorsFile.read(merged).tensors)
    }

    /// A run killed (SIGKILL) a moment after its first batch is saved keeps its batches (while it was held stopped
    /// with SIGSTOP just before, so that a fast build cannot finish first, a second run to the same output was refused); the same command refuses to start over them, another job refuses to resume them,
    /// and `--resume` finishes without recomputing them, giving the bytes of an uninterrupted run and removing the
    /// partial state.
    @Test func encodeResumesAfterSIGKILLWithTheSameBytes() throws {
        let dir = try temporaryDirectory()
        let images = dir.appendingPathComponent("images")
        try Self.writeJPEGs((0 ..< 48).map { "\($0).jpg" }, in: images)
        let outputs = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let output = outputs.appendingPathComponent("features.npz")
        let command =
            try ["encode", images.path, "--batch-size", "1", "--jobs", "1", "--device", "cpu"]
            + Self.weights() + ["--output", output.path]

        let partial = outputs.appendingPathComponent(".features.npz.partial")
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = command
        process.standardError = FileHandle.nullDevice
        try process.run()
        var batches: [String] = []
        for _ in 0 ..< 1200 where batches.isEmpty {
            usleep(50_000)
            batches = ((try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? []).filter {
                $0.hasPrefix("batch-")
            }
        }
        usleep(UInt32.random(in: 0 ..< 30_000))
        kill(process.processIdentifier, SIGSTOP)
        // While it lives, a second run to the same output is refused: the partial state is locked.
        let concurrent = try run(command + ["--resume"])
        #expect(concurrent.status == 1 && concurrent.stderr.contains("is locked"), "\(concurrent.stderr)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(!batches.isEmpty, "no batch file appeared")
        let kept = try FileManager.default.contentsOfDirectory(atPath: partial.path).filter { $0.hasPrefix("batch-") }
        #expect(!FileManager.default.fileExists(atPath: output.path) && kept.count >= 1 && kept.count < 48)

        let again = try run(command)
        #expect(again.status == 1 && again.stderr.contains("add --resume"), "\(again.stderr)")
        let otherJob = try run(command + ["--resume", "--noise-seed", "1"])
        #expect(
            otherJob.status == 1 && otherJob.stderr.contains("another job")
                && otherJob.stderr.contains("noise_seed '0' there, '1' here"), "\(otherJob.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: partial.path).filter { $0.hasPrefix("batch-") } == kept)

        let resumed = try run(command + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let done = try #require(
            resumed.stderr.split(separator: "\n").first { $0.contains("resuming:") }, "\(resumed.stderr)")
        #expect(done.contains("resuming: \(kept.count) of the 48 batches are done"), "\(done)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs.path) == ["features.npz"])

        let uninterrupted = dir.appendingPathComponent("uninterrupted.npz")
        try expectSuccess(Array(command.dropLast()) + [uninterrupted.path])
        #expect(try Data(contentsOf: output) == Data(contentsOf: uninterrupted))
    }

    /// `--list`: entries relative to the list's folder or absolute, a folder among them, blank lines and CRLF endings;
    /// the inputs come in the list's order. An entry that does not exist fails before any work, naming its line, and one
    /// that cannot be decoded names it too.
    @Test func encodeReadsAListFile() throws {
        let dir = try temporaryDirectory()
        let images = dir.appendingPathComponent("images")
        try Self.writeJPEGs(["a.jpg", "b.jpg", "sub/c.jpg", "sub/d.png"], in: images)
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        let list = lists.appendingPathComponent("files.txt")
        let absolute = images.appendingPathComponent("a.jpg").path
        try Data("../images/b.jpg\n\n   \n\(absolute)\r\n../images/sub\n".utf8).write(to: list)
        let out = dir.appendingPathComponent("f.safetensors")
        let common = try ["encode", "--device", "cpu"] + Self.weights()
        try expectSuccess(common + ["--list", list.path, "--output", out.path])
        #expect(
            try Self.inputs(of: out) == [
                lists.path + "/../images/b.jpg", absolute, lists.path + "/../images/sub/c.jpg",
                lists.path + "/../images/sub/d.png",
            ])

        try Data("../images/a.jpg\n\n../images/missing.jpg\n".utf8).write(to: list)
        let missing = try run(common + ["--list", list.path, "--output", out.path])
        #expect(
            missing.status == 1 && missing.stderr.contains("files.txt line 3: \(lists.path)/../images/missing.jpg")
                && !missing.stderr.contains("SYNTHETIC"), "\(missing.stderr)")
        // A file that cannot be decoded is named with its line too.
        try Data("not a JPEG".utf8).write(to: images.appendingPathComponent("bad.jpg"))
        try Data("../images/a.jpg\n../images/bad.jpg\n".utf8).write(to: list)
        let bad = try run(common + ["--list", list.path, "--output", out.path])
        #expect(
            bad.status == 1 && bad.stderr.contains("bad.jpg: not a PNG or JPEG file")
                && bad.stderr.contains("(\(list.path) line 2)"), "\(bad.stderr)")
    }

    /// `--classes` on class folders: float `labels` and the `classes` metadata, which `probe` reads directly; an image
    /// outside any class folder is refused.
    @Test func encodeClassFoldersGiveLabelsProbeReads() throws {
        let dir = try temporaryDirectory()
        let train = dir.appendingPathComponent("train")
        try Self.writeJPEGs(["dark/1.jpg", "dark/2.jpg", "bright/1.jpg", "bright/2.jpg", "bright/3.jpg"], in: train)
        let out = dir.appendingPathComponent("train.safetensors")
        let common = try ["encode", train.path, "--classes", "--device", "cpu"] + Self.weights()
        try expectSuccess(common + ["--output", out.path])
        let file = try SafetensorsFile.read(out)
        #expect(file.tensors["labels"]?.data == [0, 0, 0, 1, 1])
        #expect(file.metadata["classes"] == #"["bright","dark"]"#)
        let probe = try run([
            "probe", "--train", out.path, "--test", out.path, "--l2", "1e-3", "--epochs", "1", "--json",
        ])
        #expect(probe.status == 0, "\(probe.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(probe.stdout.utf8)) as? [String: Any]
        #expect(report?["classes"] as? Int == 2 && report?["train"] as? Int == 5)

        try Self.writeJPEGs(["loose.jpg"], in: train)
        let loose = try run(common + ["--output", dir.appendingPathComponent("never.safetensors").path])
        #expect(loose.status == 1 && loose.stderr.contains("loose.jpg is not in a class folder"), "\(loose.stderr)")
    }

    /// `merge` refuses a missing shard, a shard given twice, shards of different jobs and a file that is not a shard,
    /// saying which, and leaves the earlier output as it was; parts in any order then merge.
    @Test func mergeRefusesPartsThatDoNotBelongTogether() throws {
        let dir = try temporaryDirectory()
        let images = dir.appendingPathComponent("images")
        try Self.writeJPEGs(["1.jpg", "2.jpg", "3.jpg"], in: images)
        func shard(_ spec: String, _ name: String, _ extra: [String] = []) throws -> String {
            let out = dir.appendingPathComponent(name)
            try expectSuccess(
                ["encode", images.path, "--batch-size", "2", "--device", "cpu", "--shard", spec, "--output", out.path]
                    + Self.weights() + extra)
            return out.path
        }
        let first = try shard("0/2", "p0.safetensors")
        let second = try shard("1/2", "p1.safetensors")
        let otherSeed = try shard("0/2", "seed1.safetensors", ["--noise-seed", "1"])
        let copy = dir.appendingPathComponent("copy.safetensors").path
        try FileManager.default.copyItem(atPath: first, toPath: copy)
        let plain = dir.appendingPathComponent("plain.safetensors")
        try SafetensorsFile.write(["z_mean": HostTensor(zeros: [1, 120])], metadata: ["inputs": #"["x"]"#], to: plain)

        let merged = dir.appendingPathComponent("merged.safetensors")
        try Data("earlier output".utf8).write(to: merged)
        for (parts, message) in [
            ([first], "1 of the 2 shards missing: 1/2"),
            ([first, second, copy], "shard 0/2 is given twice"),
            ([otherSeed, second], "different jobs: noise_seed '1' in \(otherSeed), '0' in \(second)"),
            ([plain.path, second], "plain.safetensors is not a shard"),
        ] {
            let result = try run(["merge", merged.path] + parts)
            #expect(result.status == 1 && result.stderr.contains(message), "\(parts): \(result.stderr)")
        }
        let usage = try run(["merge", merged.path, first, dir.appendingPathComponent("p1.npz").path])
        #expect(usage.status == 64, "\(usage.stderr)")
        #expect(try Data(contentsOf: merged) == Data("earlier output".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".tmp-") })
        try expectSuccess(["merge", merged.path, second, first])
        #expect(try SafetensorsFile.read(merged).tensors["z_mean"]?.shape == [3, 120])
    }

    /// Peak resident memory of `encode` on the Vulkan device is the same for 320 small JPEGs as for 40 (within 1.3×
    /// plus 50 MiB): decoded images, rows and outputs are held a few batches at a time, whatever the count.
    @Test func encodeMemoryDoesNotGrowWithTheInputCount() throws {
        let dir = try temporaryDirectory()
        var peaks: [Int] = []
        for count in [40, 320] {
            let images = dir.appendingPathComponent("images-\(count)")
            try Self.writeJPEGs((0 ..< count).map { String(format: "%04d.jpg", $0) }, in: images, side: 24)
            let out = dir.appendingPathComponent("features-\(count).safetensors")
            let arguments =
                try ["encode", images.path, "--batch-size", "16", "--jobs", "2", "--device", "0", "--output", out.path]
                + Self.weights()
            let result = try ByteArgumentProcess(Self.executable, arguments.map { Array($0.utf8) })
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try SafetensorsFile.read(out).tensors["bn_crelu_feat"]?.shape == [count, 128])
            peaks.append(try #require(result.peakResidentBytes))
        }
        let mebibytes = peaks.map { $0 >> 20 }
        #expect(Double(peaks[1]) <= 1.3 * Double(peaks[0]) + 50 * 1_048_576, "peak MiB for 40 and 320: \(mebibytes)")
    }

    // MARK: helpers

    /// `--weights` with the width-8 synthetic weights shared with `ImageInputTests`.
    static func weights() throws -> [String] { ["--weights", try ImageInputTests.weights.get().path] }

    /// Writes a noise JPEG (about `side`×`side`, sizes varying) at each relative path (or a PNG for a .png name).
    static func writeJPEGs(_ paths: [String], in folder: URL, side: Int = 40) throws {
        for (i, path) in paths.enumerated() {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let (width, height) = (side + i % 7, side - i % 5)
            let image = try RGBImage(
                width: width, height: height,
                pixels: (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 * (31 + i) + 7 * i) })
            if path.hasSuffix(".png") {
                try ImageFile.writePNG(image, to: url)
            } else {
                try ImageFile.writeJPEG(image, to: url)
            }
        }
    }

    /// The `inputs` metadata of an encode output.
    static func inputs(of url: URL) throws -> [String] {
        let text = try #require(try SafetensorsFile.read(url).metadata["inputs"])
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// SHA-256 in hex, by `sha256sum`.
    static func sha256(_ bytes: some Sequence<UInt8>) throws -> String {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try Data(bytes).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(64))
    }
}
