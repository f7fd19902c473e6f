import BigBiGANIO
import CheckpointWriting
import Foundation
import Tensors
import Testing

/// The `bigbigan` executable end to end: files written, exit codes, and CPU/Vulkan agreement through the CLI.
@Suite("bigbigan CLI", .serialized)
struct CLITests {
    @Test func generateWritesAGridAndAgreesAcrossBackends() throws {
        let dir = try temporaryDirectory()
        let png = dir.appendingPathComponent("grid.png")
        try expectSuccess([
            "generate", "--count", "16", "--seed", "0", "--weights", "synthetic", "--ch", "4", "--output", png.path,
        ])
        let grid = try ImageFile.read(png)
        // 4×4 cells of 128 px with 2 px padding between and around.
        #expect(grid.width == 4 * 128 + 5 * 2 && grid.height == grid.width)

        var outputs: [HostTensor] = []
        for device in ["cpu", "0"] {
            let npy = dir.appendingPathComponent("images-\(device).npy")
            try expectSuccess([
                "generate", "--count", "3", "--seed", "1", "--weights", "synthetic", "--ch", "4", "--device", device,
                "--output", npy.path,
            ])
            outputs.append(try NPYFile.read(npy))
        }
        #expect(outputs[0].shape == [3, 128, 128, 3])
        try #require(outputs[1].shape == outputs[0].shape)
        // Same tolerance as the generator's parity test: 5e-4 absolute on tanh outputs.
        let errors = ErrorStatistics(actual: outputs[1].data, expected: outputs[0].data)
        #expect(errors.maxAbsolute < 5e-4, "CPU vs Vulkan: \(errors)")
    }

    /// `--precision fp16` stores tensors as half on the device: images close to fp32's within the fp16 model
    /// tolerance (HalfStorageModelTests: 2e-2 absolute, ≈3.4× the measured error). The CPU reference refuses fp16.
    @Test func generateWithHalfStorageIsCloseToFp32() throws {
        let dir = try temporaryDirectory()
        var outputs: [HostTensor] = []
        for precision in ["fp32", "fp16"] {
            let npy = dir.appendingPathComponent("images-\(precision).npy")
            try expectSuccess([
                "generate", "--count", "2", "--seed", "3", "--weights", "synthetic", "--ch", "4", "--device", "0",
                "--precision", precision,
                "--output", npy.path,
            ])
            outputs.append(try NPYFile.read(npy))
        }
        try #require(outputs[0].shape == [2, 128, 128, 3] && outputs[1].shape == outputs[0].shape)
        let errors = ErrorStatistics(actual: outputs[1].data, expected: outputs[0].data)
        #expect(errors.maxAbsolute > 0 && errors.maxAbsolute < 2e-2, "fp32 vs fp16: \(errors)")

        let cpu = try run([
            "generate", "--count", "1", "--weights", "synthetic", "--ch", "4", "--device", "cpu", "--precision", "fp16",
            "--output",
            dir.appendingPathComponent("x.npy").path,
        ])
        #expect(cpu.status != 0 && cpu.stderr.contains("fp32 only"), "\(cpu.stderr)")
    }

    /// `bench --precision fp16` runs and reports in its JSON the precision and the FLOPs its dispatches declared.
    @Test func benchReportsItsPrecision() throws {
        let result = try run([
            "bench", "--model", "generator", "--ch", "4", "--batch", "1", "--iterations", "1", "--warmup", "0",
            "--no-probe", "--json", "--device", "0", "--precision", "fp16",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["precision"] as? String == "fp16")
        // FLOPs come from the forward's dispatches: a ch-4 generator declares tens of MFLOP per image.
        let flops = report?["flops_per_image"] as? Double ?? 0
        #expect(flops > 1e7 && flops < 1e9, "flops_per_image \(flops)")
        let results = report?["results"] as? [[String: Any]] ?? []
        #expect(results.count == 1 && (results.first?["gflops_per_second"] as? Double ?? 0) > 0)
    }

    @Test func encodeWritesAllFeaturesAndAgreesAcrossBackends() throws {
        let dir = try temporaryDirectory()
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (i, size) in [(300, 200), (64, 64), (90, 120)].enumerated() {
            let pixels = (0 ..< size.0 * size.1 * 3).map { UInt8(($0 * (7 + i)) % 251) }
            let image = try RGBImage(width: size.0, height: size.1, pixels: pixels)
            if i == 1 {
                try ImageFile.writeJPEG(image, to: images.appendingPathComponent("b.jpg"))
            } else {
                try ImageFile.writePNG(image, to: images.appendingPathComponent("\(i).png"))
            }
        }
        var results: [SafetensorsFile] = []
        for device in ["cpu", "0"] {
            let out = dir.appendingPathComponent("features-\(device).safetensors")
            try expectSuccess([
                "encode", images.path, "--weights", "synthetic", "--width", "32", "--device", device, "--output",
                out.path,
            ])
            results.append(try SafetensorsFile.read(out))
        }
        let expectedShapes: [String: Shape] = [
            "z_mean": [3, 120], "z_stdev": [3, 120], "z_sample": [3, 120],
            "avepool_feat": [3, 256], "bn_crelu_feat": [3, 512],
        ]
        for (name, shape) in expectedShapes {
            let cpu = try #require(results[0].tensors[name])
            let gpu = try #require(results[1].tensors[name])
            try #require(cpu.shape == shape && gpu.shape == shape, "\(name)")
            // Encoder parity tolerance (reduced width): 5e-4 absolute on features of order 1.
            let errors = ErrorStatistics(actual: gpu.data, expected: cpu.data)
            #expect(errors.maxAbsolute < 5e-4, "\(name): CPU vs Vulkan \(errors)")
        }
        #expect(results[0].metadata["inputs"]?.contains("b.jpg") == true)
    }

    /// `convert synthetic` exports exactly the weights the commands synthesise, the encoder's calibrated batch norms
    /// included (`tools/peers` relies on it): encoding with the exported file gives the same features, bit for bit.
    @Test func convertSyntheticExportsTheWeightsCommandsUse() throws {
        let dir = try temporaryDirectory()
        let weights = dir.appendingPathComponent("synthetic.safetensors")
        try expectSuccess([
            "convert", "synthetic", "--ch", "4", "--width", "32", "--weight-seed", "5", "--output", weights.path,
        ])
        let images = dir.appendingPathComponent("images.npy")
        var random = SeededRandom(seed: 1)
        try NPYFile.write(random.uniformTensor([2, 256, 256, 3], in: -1 ..< 1), to: images)
        var features: [SafetensorsFile] = []
        for weightArguments in [["--weights", "synthetic", "--weight-seed", "5"], ["--weights", weights.path]] {
            let out = dir.appendingPathComponent("features-\(features.count).safetensors")
            try expectSuccess(
                ["encode", images.path, "--width", "32", "--device", "cpu", "--output", out.path] + weightArguments)
            features.append(try SafetensorsFile.read(out))
        }
        for name in ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat"] {
            #expect(
                features[0].tensors[name] != nil && features[0].tensors[name] == features[1].tensors[name], "\(name)")
        }
    }

    @Test func badInputsFailCleanly() throws {
        let dir = try temporaryDirectory()
        let broken = dir.appendingPathComponent("broken.png")
        try Data("not a png".utf8).write(to: broken)
        let out = dir.appendingPathComponent("f.safetensors")
        let encode = try run(["encode", broken.path, "--weights", "synthetic", "--width", "32", "--output", out.path])
        #expect(encode.status != 0 && encode.stderr.contains("broken.png"))
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing is written on failure")

        let z = dir.appendingPathComponent("z.npy")
        try NPYFile.write(HostTensor(zeros: [2, 7]), to: z)
        let generate = try run(["generate", "--z", z.path, "--output", dir.appendingPathComponent("x.npy").path])
        #expect(generate.status != 0 && generate.stderr.contains("[2,7]"))
        let device = try run(["devices", "--device", "no-such-gpu"])
        #expect(device.status != 0 && device.stderr.contains("no-such-gpu"))
        let badOutput = try run(["generate", "--output", dir.appendingPathComponent("x.gif").path])
        #expect(badOutput.status != 0)
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../Fixtures/bigbigan-tiny"
    ).standardized

    /// The TensorFlow-written fixture: generate from the module matches TF's golden output; convert writes a
    /// safetensors file that gives bit-identical images; inspect describes both.
    @Test func checkpointConvertInspectRoundTrip() throws {
        let dir = try temporaryDirectory()
        let fixture = Self.fixture.path
        let z = Self.fixture.appendingPathComponent("golden/z.npy").path
        let converted = dir.appendingPathComponent("tiny.safetensors")
        try expectSuccess(["convert", fixture, "--output", converted.path])
        var images: [HostTensor] = []
        for weights in [fixture, converted.path] {
            let out = dir.appendingPathComponent("out-\(images.count).npy")
            try expectSuccess(["generate", "--weights", weights, "--z", z, "--device", "cpu", "--output", out.path])
            images.append(try NPYFile.read(out))
        }
        #expect(images[0] == images[1], "module and converted weights give identical images")
        let golden = try NPYFile.read(Self.fixture.appendingPathComponent("golden/default.npy"))
        // TF vs our CPU reference: fp32 summation order only (see FixtureGoldenTests).
        try #require(images[0].shape == golden.shape)
        #expect(ErrorStatistics(actual: images[0].data, expected: golden.data).maxAbsolute < 1e-4)

        let module = try run(["inspect", fixture, "--prefix", "GenEncWrapper/Generator/conv_2d"])
        #expect(
            module.status == 0 && module.stdout.contains("ResizeNearestNeighbor")
                && module.stdout.contains("conv_2d/w/ema_0.9999"))
        let file = try run(["inspect", converted.path])
        #expect(
            file.status == 0 && file.stdout.contains("GenEncWrapper/Generator/conv_2d/w")
                && file.stdout.contains("ema_copies_used"))
    }

    /// Damaged weights: a flipped data byte, a truncated index and a missing tensor each fail with a message
    /// naming the problem, a non-zero exit, and no output file.
    @Test func corruptedWeightsFailCleanly() throws {
        let dir = try temporaryDirectory()
        let z = Self.fixture.appendingPathComponent("golden/z.npy").path
        func copyFixture(_ name: String) throws -> URL {
            let copy = dir.appendingPathComponent(name)
            try FileManager.default.copyItem(at: Self.fixture, to: copy)
            return copy
        }
        let flipped = try copyFixture("flipped")
        let data = flipped.appendingPathComponent("variables/variables.data-00000-of-00001")
        var bytes = try Data(contentsOf: data)
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: data)
        let truncated = try copyFixture("truncated")
        let index = truncated.appendingPathComponent("variables/variables.index")
        try Data(try Data(contentsOf: index).prefix(100)).write(to: index)
        let converted = dir.appendingPathComponent("full.safetensors")
        try expectSuccess(["convert", Self.fixture.path, "--output", converted.path])
        var file = try SafetensorsFile.read(converted)
        file.tensors["GenEncWrapper/Generator/GBlock_2/conv1/w"] = nil
        let missing = dir.appendingPathComponent("missing.safetensors")
        try file.write(to: missing)

        for (weights, expected) in [
            (flipped.path, "checksum"), (truncated.path, "index"), (missing.path, "GBlock_2/conv1/w"),
        ] {
            let out = dir.appendingPathComponent("never.npy")
            let result = try run(["generate", "--weights", weights, "--z", z, "--device", "cpu", "--output", out.path])
            #expect(
                result.status != 0 && result.stderr.lowercased().contains(expected.lowercased()),
                "\(weights): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    /// The fixture without one EMA copy and one `u0`: `generate` and `convert` refuse it, naming both, instead of
    /// loading that layer raw and that kernel unnormalised.
    @Test func weightsMixingConventionsAreRefused() throws {
        let dir = try temporaryDirectory()
        let dropped = ["GenEncWrapper/Generator/GBlock_2/conv1/w/ema_0.9999", "GenEncWrapper/Generator/conv_2d/u0"]
        let prefix = dir.appendingPathComponent("variables")
        let fixture = try TensorBundle(prefix: Self.fixture.appendingPathComponent("variables/variables"))
        try TensorBundleWriter(copying: fixture, except: Set(dropped)).write(prefix: prefix)
        let z = Self.fixture.appendingPathComponent("golden/z.npy").path
        let outputs = [dir.appendingPathComponent("never.npy"), dir.appendingPathComponent("never.safetensors")]
        for arguments in [
            ["generate", "--weights", prefix.path, "--z", z, "--device", "cpu", "--output", outputs[0].path],
            ["convert", prefix.path, "--output", outputs[1].path],
        ] {
            let result = try run(arguments)
            #expect(
                result.status != 0 && dropped.allSatisfy(result.stderr.contains), "\(arguments[0]): \(result.stderr)")
        }
        #expect(outputs.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
    }

    @Test func devicesListsTheChosenDevice() throws {
        let result = try run(["devices"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("maxStorageBufferRange") && result.stdout.contains("Chosen:"))
    }

    /// `bench --json` reports, per batch size, what the timed forwards did besides computing: nothing allocated
    /// or compiled, one submission and one host wait each.
    @Test func benchReportsASteadyState() throws {
        let result = try run([
            "bench", "--model", "generator", "--ch", "4", "--batch", "1", "--iterations", "2", "--warmup", "1",
            "--no-probe", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        let steady = try #require(results.first?["steady_state"] as? [String: Double])
        #expect(
            steady == [
                "memory_blocks_allocated": 0, "pipelines_created": 0, "descriptor_pools_created": 0,
                "submissions_per_forward": 1, "host_waits_per_forward": 1,
            ])
    }

    /// A binary copied alone into an empty folder generates images: the shaders are built in, and nothing is read
    /// from the source tree (a fresh cache, so every shader is compiled from the built-in text). Without its resource
    /// folder it cannot have the default model and says so; with the folder copied beside it, it runs that model.
    @Test func aCopiedBinaryRunsWithoutTheSourceTree() throws {
        let dir = try temporaryDirectory()
        let copy = dir.appendingPathComponent("bigbigan")
        try FileManager.default.copyItem(at: Self.executable, to: copy)
        let out = dir.appendingPathComponent("images.npy")
        let environment = ["BIGBIGAN_SHADER_DIR": "", "BIGBIGAN_CACHE_DIR": dir.appendingPathComponent("cache").path]
        let result = try run(
            ["generate", "--count", "1", "--weights", "synthetic", "--ch", "4", "--device", "0", "--output", out.path],
            executable: copy, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try NPYFile.read(out).shape == [1, 128, 128, 3])

        let alone = try run(
            ["generate", "--count", "1", "--output", out.path], executable: copy, environment: environment)
        #expect(alone.status == 1 && alone.stderr.contains("BigBiGAN_BigBiGAN.resources"), "\(alone.stderr)")
        let resources = "BigBiGAN_BigBiGAN.resources"
        try FileManager.default.copyItem(
            at: Self.executable.deletingLastPathComponent().appendingPathComponent(resources),
            to: dir.appendingPathComponent(resources))
        let withResources = try run(
            ["generate", "--count", "1", "--device", "0", "--output", out.path], executable: copy,
            environment: environment)
        #expect(withResources.status == 0, "\(withResources.stderr)")
        #expect(try NPYFile.read(out).shape == [1, 32, 32, 3])
    }

    /// One byte flipped in every file of the cache folder — a different header field or payload position per file —
    /// or the file cut short: the next run's images are bit-identical to a clean run's, each file is reported once on
    /// stderr and rewritten, and a third run reports nothing.
    @Test func aDamagedCacheFolderGivesIdenticalImages() throws {
        let dir = try temporaryDirectory()
        let cache = dir.appendingPathComponent("cache")
        func generate(_ name: String) throws -> (images: Data, reports: [String]) {
            let out = dir.appendingPathComponent("\(name).npy")
            let result = try run(
                [
                    "generate", "--count", "2", "--seed", "5", "--weights", "synthetic", "--ch", "4", "--device", "0",
                    "--output", out.path,
                ],
                environment: ["BIGBIGAN_CACHE_DIR": cache.path])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            return (
                try Data(contentsOf: out),
                result.stderr.split(separator: "\n").map(String.init).filter { $0.contains("discarded cache entry") }
            )
        }
        let clean = try generate("clean")
        let files =
            (FileManager.default.enumerator(at: cache, includingPropertiesForKeys: nil, options: .skipsHiddenFiles)?
            .allObjects as? [URL] ?? [])
            .filter { !$0.hasDirectoryPath }
        #expect(files.count > 5 && clean.reports.isEmpty)
        for (i, file) in files.enumerated() {
            var bytes = try Data(contentsOf: file)
            // Magic, version, length, key, payload checksum, first and last payload byte; or half the file.
            let offsets = [0, 8, 12, 30, 60, 84, bytes.count - 1]
            let choice = i % (offsets.count + 1)
            if choice < offsets.count { bytes[offsets[choice]] ^= 0x20 } else { bytes = bytes.prefix(bytes.count / 2) }
            try bytes.write(to: file)
        }
        let damaged = try generate("damaged")
        #expect(damaged.images == clean.images)
        #expect(damaged.reports.count == files.count, "\(damaged.reports)")
        for file in files { #expect(damaged.reports.contains { $0.contains(file.path) }, "\(file.lastPathComponent)") }
        let again = try generate("again")
        #expect(again.images == clean.images && again.reports.isEmpty, "\(again.reports)")
    }

    /// A `BIGBIGAN_*` variable with a value outside its set is a usage error naming the variable and the allowed
    /// values, before any work.
    @Test(arguments: [
        ("BIGBIGAN_CONV", "fast", "auto, gemm, direct"),
        ("BIGBIGAN_WINOGRAD", "yes", "auto, on, off"),
        ("BIGBIGAN_VALIDATION", "true", "0, 1"),
        ("BIGBIGAN_SHADER_DIR", "/nonexistent/shaders", "does not exist"),
    ])
    func invalidEnvironmentValuesAreUsageErrors(variable: String, value: String, allowed: String) throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("never.npy")
        // The CPU reference uses none of these, but a mistyped variable is still reported.
        let result = try run(
            [
                "generate", "--count", "1", "--weights", "synthetic", "--ch", "4", "--device", "cpu", "--output",
                out.path,
            ],
            environment: [variable: value])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("\(variable)=\(value)") && result.stderr.contains(allowed), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: helpers, shared with the suite's other files

    func expectSuccess(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(arguments)
        #expect(
            result.status == 0, "bigbigan \(arguments.joined(separator: " ")) failed:\n\(result.stderr)",
            sourceLocation: sourceLocation)
    }

    /// Runs `executable` with `arguments`; `environment` entries replace the test's own variables.
    func run(_ arguments: [String], executable: URL = Self.executable, environment: [String: String] = [:])
        throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    /// `bigbigan` is built next to the test bundle.
    static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("bigbigan")
    }()

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bigbigan-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
