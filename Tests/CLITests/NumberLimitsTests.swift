import BigBiGANIO
import Foundation
import Tensors
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Numbers are checked before work: out-of-range options are usage errors that give the range, a job that cannot
/// fit fails at once with its estimate, and streamed outputs hold one batch in memory.
extension CLITests {
    /// Each of these trapped or aborted before: now exit 64, naming the option and its range.
    @Test(arguments: [
        (["generate", "--count", "9223372036854775807", "--output", "x.npy"], "--count must be in 1…10000000"),
        (["generate", "--ch", "4611686018427387904", "--output", "x.npy"], "--ch must be in 1…1024"),
        (
            ["encode", "in.npy", "--width", "9223372036854775800", "--output", "f.npz"],
            "--width must be a multiple of 8 in 8…8192"
        ),
        (["interpolate", "--steps", "4611686018427387904", "--output", "s.png"], "--steps must be in 2…10000000"),
        (["bench", "--batch", ","], "--batch must list batch sizes"),
        (["generate", "--batch-size", "0", "--output", "x.npy"], "--batch-size must be in 1…4096"),
    ])
    func outOfRangeNumbersAreUsageErrorsThatGiveTheRange(arguments: [String], message: String) throws {
        let result = try run(arguments)
        #expect(result.status == 64 && result.stderr.contains(message), "\(result.status): \(result.stderr)")
    }

    /// Jobs that cannot fit fail before any work (no weights announced) with what was estimated and a hint: a PNG
    /// strip of a million images (one batch of a million before), and a batch that no device or machine holds.
    @Test func aJobThatCannotFitFailsAtOnceWithItsEstimate() throws {
        let dir = try temporaryDirectory()
        let strip = try run([
            "interpolate", "--steps", "1000000", "--weights", "synthetic", "--ch", "4", "--output",
            dir.appendingPathComponent("s.png").path,
        ])
        #expect(strip.status == 1, "\(strip.stderr)")
        #expect(
            strip.stderr.contains("needs at least") && strip.stderr.contains("of memory")
                && strip.stderr.contains("--output x.npy") && !strip.stderr.contains("SYNTHETIC"), "\(strip.stderr)")
        for (device, place) in [("0", "device memory on"), ("cpu", "of memory")] {
            let batch = try run([
                "generate", "--count", "4096", "--batch-size", "4096", "--weights", "synthetic", "--ch", "1024",
                "--device", device, "--output",
                dir.appendingPathComponent("x.npy").path,
            ])
            #expect(
                batch.status == 1 && batch.stderr.contains("needs at least") && batch.stderr.contains(place)
                    && batch.stderr.contains("largest activation") && batch.stderr.contains("--batch-size"),
                "\(device): \(batch.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    #if os(Linux)
        /// `generate` and `interpolate` to a .npy write batch by batch: ten times the images (28 MB more output at
        /// 256×256) add almost nothing to the peak memory, and the file equals one written in a single batch.
        @Test(arguments: ["generate", "interpolate"]) func streamedOutputsHoldOneBatchInMemory(command: String) throws {
            let dir = try temporaryDirectory()
            func arguments(_ count: Int, batch: Int, _ name: String) -> [String] {
                let size = command == "generate" ? ["--count", "\(count)", "--upsampled"] : ["--steps", "\(count)"]
                return [
                    command, "--weights", "synthetic", "--ch", "4", "--device", "0", "--batch-size", "\(batch)",
                    "--output",
                    dir.appendingPathComponent(name).path,
                ] + size
            }
            let count = command == "generate" ? 40 : 160  // 128×128 strips: four times as many for the same bytes
            let small = try runMeasuringPeakMemory(arguments(count / 10, batch: 4, "small.npy"))
            let large = try runMeasuringPeakMemory(arguments(count, batch: 4, "large.npy"))
            #expect(small.status == 0 && large.status == 0)
            let output = try NPYFile.read(dir.appendingPathComponent("large.npy"))
            #expect(output.shape[0] == count)
            #expect(
                large.peakBytes - small.peakBytes < 8 << 20,
                "peak \(small.peakBytes >> 20) MiB for \(count / 10) images, \(large.peakBytes >> 20) MiB for \(count)")
            try expectSuccess(arguments(count, batch: count, "whole.npy"))
            let whole = try NPYFile.read(dir.appendingPathComponent("whole.npy"))
            // Batch 4 and one batch of all may sum in other orders, so not bit for bit; samples out of order differ by ~1.
            #expect(whole.shape == output.shape)
            #expect(ErrorStatistics(actual: output.data, expected: whole.data).maxAbsolute < 1e-4)
        }

        /// Runs `bigbigan` and returns its exit status and peak resident memory (wait4's ru_maxrss).
        private func runMeasuringPeakMemory(_ arguments: [String]) throws -> (status: Int32, peakBytes: Int) {
            let argv = ([Self.executable.path] + arguments).map { strdup($0) } + [nil]
            defer { for argument in argv { free(argument) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            var pid: pid_t = 0
            try #require(posix_spawn(&pid, Self.executable.path, &actions, nil, argv, environ) == 0)
            var status: Int32 = 0
            var usage = rusage()
            try #require(wait4(pid, &status, 0, &usage) == pid)
            return ((status >> 8) & 0xFF, usage.ru_maxrss * 1024)
        }
    #endif
}
