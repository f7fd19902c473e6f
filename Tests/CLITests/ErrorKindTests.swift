import BigBiGANIO
import Foundation
import Tensors
import Testing

/// Messages and exit codes: one exit code per kind of error — 64 with the usage text for a wrong command line, 1
/// without it for bad data — and messages that blame the right thing.
extension CLITests {
    /// Latents that are NaN, infinite or absurdly large are bad input, named by place, not "check the weights".
    @Test(arguments: [Float(1e30), .nan, -.infinity])
    func implausibleLatentsAreReportedAsBadInput(value: Float) throws {
        let dir = try temporaryDirectory()
        var z = HostTensor(zeros: [2, 120])
        z.data[120 + 5] = value
        let file = dir.appendingPathComponent("z.npy")
        try NPYFile.write(z, to: file)
        let result = try run([
            "generate", "--z", file.path, "--weights", "synthetic", "--ch", "4", "--device", "cpu", "--output",
            dir.appendingPathComponent("x.npy").path,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("row 1, column 5") && !result.stderr.contains("check the weights")
                && !result.stderr.contains("Usage:"), "\(result.stderr)")
    }

    /// ResNet-50 weights asked to run as RevNet-50×4 name the mismatch, instead of a width read from the wrong
    /// layer ("width 4 must be a positive multiple of 8").
    @Test func anEncoderArchitectureMismatchIsNamed() throws {
        let dir = try temporaryDirectory()
        let weights = dir.appendingPathComponent("resnet.safetensors")
        try expectSuccess([
            "convert", "synthetic", "--ch", "4", "--width", "16", "--encoder", "resnet50", "--output", weights.path,
        ])
        let images = dir.appendingPathComponent("images.npy")
        try NPYFile.write(HostTensor(zeros: [1, 256, 256, 3]), to: images)
        let result = try run([
            "encode", images.path, "--encoder", "revnet50x4", "--weights", weights.path, "--device", "cpu", "--output",
            dir.appendingPathComponent("f.npz").path,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("holds a resnet50 encoder, not revnet50x4")
                && !result.stderr.contains("multiple of 8"), "\(result.stderr)")
    }

    /// A wrong command line exits 64 with the usage text; bad data exits 1 without it.
    @Test func eachKindOfErrorHasItsExitCode() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("x.npy").path
        let z = dir.appendingPathComponent("z.npy")
        try NPYFile.write(HostTensor(zeros: [2, 7]), to: z)
        // A structured dtype: one float32 field named 'a'.
        var header = Array("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }".utf8)
        header += [UInt8](repeating: 0x20, count: 63 - (10 + header.count) % 64) + [0x0A]
        let structured = dir.appendingPathComponent("structured.npy")
        try Data(
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + [UInt8](repeating: 0, count: 8)
        )
        .write(to: structured)

        for (arguments, words) in [
            (["generate", "--count", "2", "--z", z.path, "--output", out], "--z gives the latents"),
            (["generate", "--output", dir.appendingPathComponent("x.gif").path], "--output must end in .png or .npy"),
        ] {
            let result = try run(arguments)
            #expect(
                result.status == 64 && result.stderr.contains(words) && result.stderr.contains("Usage:"),
                "\(arguments): \(result.stderr)")
        }
        for (arguments, words) in [
            (["generate", "--z", z.path, "--output", out], "[2,7]"),
            (["generate", "--z", structured.path, "--output", out], "structured dtype"),
        ] {
            let result = try run(arguments + ["--weights", "synthetic", "--ch", "4", "--device", "cpu"])
            #expect(
                result.status == 1 && result.stderr.contains(words) && !result.stderr.contains("Usage:"),
                "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
