import BigBiGANIO
import Foundation
import Tensors
import Testing

/// `bigbigan probe` end to end: class folders encoded with synthetic weights, features files with labels, and the
/// errors of bad inputs.
extension CLITests {
    /// Two classes, dark and bright noise, 4 training and 2 test images each, encoded by a width-8 synthetic encoder:
    /// the JSON has exactly its keys with values in range, and the saved training features hold the feature, the
    /// labels and the class names.
    @Test func probeEncodesClassFoldersAndReportsJSON() throws {
        let dir = try temporaryDirectory()
        var random = SeededRandom(seed: 3)
        for (split, count) in [("train", 4), ("test", 2)] {
            for (name, base) in [("dark", 40), ("bright", 200)] {
                let folder = dir.appendingPathComponent("\(split)/\(name)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0 ..< count {
                    let pixels = (0 ..< 40 * 40 * 3).map { _ in UInt8(clamping: base + Int(20 * random.normal())) }
                    try ImageFile.writePNG(
                        try RGBImage(width: 40, height: 40, pixels: pixels),
                        to: folder.appendingPathComponent("\(i).png"))
                }
            }
        }
        let saved = dir.appendingPathComponent("train.safetensors")
        let result = try run([
            "probe", "--train", dir.appendingPathComponent("train").path, "--test",
            dir.appendingPathComponent("test").path, "--weights", "synthetic", "--width", "8", "--device", "cpu",
            "--json",
            "--save-train-features", saved.path,
        ])
        try #require(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(report.keys) == ["top1", "top5", "feature", "train", "test", "l2", "classes"])
        let top1 = try #require(report["top1"] as? Double)
        #expect(top1 >= 0 && top1 <= 1)
        #expect(report["top5"] as? Double == 1, "top-min(5, 2) of 2 classes")
        #expect(report["feature"] as? String == "bn_crelu_feat")
        #expect(report["train"] as? Int == 8 && report["test"] as? Int == 4 && report["classes"] as? Int == 2)
        #expect((report["l2"] as? Double).map { [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1].contains($0) } == true)

        let file = try SafetensorsFile.read(saved)
        // Width 8: avepool_feat has 8·2³ = 64 values, bn_crelu_feat twice that. Classes sorted: bright, dark.
        #expect(file.tensors["bn_crelu_feat"]?.shape == [8, 128])
        #expect(file.tensors["labels"]?.data == [0, 0, 0, 0, 1, 1, 1, 1])
        #expect(file.metadata["classes"] == #"["bright","dark"]"#)
    }

    /// Separable blobs in a .safetensors (float labels) for training and an .npz for testing, with the test classes
    /// named in another order: every test sample is classified right.
    @Test func probeReadsFeaturesFilesWithLabels() throws {
        let dir = try temporaryDirectory()
        var random = SeededRandom(seed: 4)
        func blobs(_ count: Int, labels: [Float]) throws -> [String: HostTensor] {
            var features: [Float] = []
            var classes: [Float] = []
            for i in 0 ..< count {
                let label = labels[i % labels.count]
                features += (0 ..< 6).map { Float($0) == label * 2 ? 6 : 0 }.map { $0 + random.normal() }
                classes.append(label)
            }
            return [
                "avepool_feat": try HostTensor(shape: [count, 6], data: features),
                "labels": try HostTensor(shape: [count], data: classes),
            ]
        }
        let train = dir.appendingPathComponent("train.safetensors")
        try SafetensorsFile.write(blobs(60, labels: [0, 1, 2]), metadata: ["classes": #"["a","b","c"]"#], to: train)
        let test = dir.appendingPathComponent("test.npz")
        try NPZFile.write(blobs(30, labels: [0, 1, 2]), to: test)
        let result = try run([
            "probe", "--train", train.path, "--test", test.path, "--feature", "avepool_feat", "--l2", "1e-4", "--json",
        ])
        try #require(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["top1"] as? Double == 1 && report["top5"] as? Double == 1)
        #expect(report["train"] as? Int == 60 && report["test"] as? Int == 30 && report["classes"] as? Int == 3)
        #expect(report["l2"] as? Double == 1e-4 && report["feature"] as? String == "avepool_feat")
        #expect(!result.stderr.contains("SYNTHETIC"), "no encoder is made for features files")

        // The same test set with its classes named: matched to the training classes by name.
        let renamed = dir.appendingPathComponent("renamed.safetensors")
        var arrays = try NPZFile.read(test)
        arrays["labels"]!.data = arrays["labels"]!.data.map { 2 - $0 }  // a↔c
        try SafetensorsFile.write(arrays, metadata: ["classes": #"["c","b","a"]"#], to: renamed)
        let matched = try run([
            "probe", "--train", train.path, "--test", renamed.path, "--feature", "avepool_feat", "--l2", "1e-4",
        ])
        #expect(matched.status == 0 && matched.stdout.contains("top-1 100.00 %"), "\(matched.stdout)\(matched.stderr)")
    }

    @Test func probeInputErrorsSayWhatIsWrong() throws {
        let dir = try temporaryDirectory()
        func write(_ name: String, features: [Float], rows: Int, labels: [Float]?) throws -> String {
            var arrays = ["bn_crelu_feat": try HostTensor(shape: [rows, features.count / rows], data: features)]
            if let labels { arrays["labels"] = try HostTensor(shape: [labels.count], data: labels) }
            let url = dir.appendingPathComponent(name)
            try SafetensorsFile.write(arrays, to: url)
            return url.path
        }
        let good = try write("good.safetensors", features: [0, 1, 1, 0, 2, 2, 3, 1], rows: 4, labels: [0, 1, 0, 1])
        let cases: [(file: String, message: String)] = [
            (try write("nolabels.safetensors", features: [0, 1], rows: 2, labels: nil), "has no labels 'labels'"),
            (try write("mismatch.safetensors", features: [0, 1, 2], rows: 3, labels: [0, 1]), "do not match"),
            (try write("oneclass.safetensors", features: [0, 1, 2], rows: 3, labels: [4, 4, 4]), "hold 1 class"),
            (try write("nan.safetensors", features: [0, .nan, 2, 3], rows: 4, labels: [0, 1, 0, 1]), "NaN"),
            (try write("fraction.safetensors", features: [0, 1], rows: 2, labels: [0, 0.5]), "not an integer"),
        ]
        for (file, message) in cases {
            let result = try run(["probe", "--train", file, "--test", good, "--l2", "1e-3"])
            #expect(result.status == 1 && result.stderr.contains(message), "\(file): \(result.stderr)")
        }
        let unknown = try write("unknown.safetensors", features: [0, 1, 2, 3], rows: 2, labels: [0, 7])
        let result = try run(["probe", "--train", good, "--test", unknown, "--l2", "1e-3"])
        #expect(
            result.status == 1 && result.stderr.contains("label 7, which no training sample has"), "\(result.stderr)")

        let usage = try run([
            "probe", "--train", good, "--test", good, "--save-train-features",
            dir.appendingPathComponent("x.safetensors").path,
        ])
        #expect(usage.status == 64 && usage.stderr.contains("that set is a features file"), "\(usage.stderr)")
    }
}
