import Foundation
import Tensors
import Testing

@testable import BigBiGANIO

@Suite struct NPZFileTests {
    @Test func roundTripKeepsNamesShapesAndValues() throws {
        let directory = try TemporaryDirectory()
        let arrays = [
            "generator/linear/w": try HostTensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]),
            "scalar": try HostTensor(shape: [], data: [-0.5]),
            "empty": HostTensor(zeros: [0]),
        ]
        let url = directory.file("arrays.npz")
        try NPZFile.write(arrays, to: url)
        #expect(try NPZFile.read(url) == arrays)
        #expect(try directory.contents() == ["arrays.npz"])
    }

    /// Rows streamed in uneven batches give the same bytes as the whole arrays written at once; `rows` is called
    /// twice per array: every CRC-32 first, then the data.
    @Test func streamedRowsGiveTheSameArchiveAsWholeArrays() throws {
        let directory = try TemporaryDirectory()
        let features = try HostTensor(shape: [5, 3], data: (0 ..< 15).map { Float($0) * 0.5 - 3 })
        let labels = try HostTensor(shape: [5], data: [2, 0, 1, 1, 0])
        let whole = directory.file("whole.npz")
        try NPZFile.write(["features": features, "labels": labels], to: whole)
        let streamed = directory.file("streamed.npz")
        var calls: [String] = []
        try NPZFile.write(layout: [("features", features.shape), ("labels", labels.shape)], to: streamed) {
            name, append in
            calls.append(name)
            if name == "labels" { return try append(labels) }
            try append(HostTensor(shape: [2, 3], data: Array(features.data[0 ..< 6])))
            try append(HostTensor(shape: [0, 3], data: []))
            try append(HostTensor(shape: [3, 3], data: Array(features.data[6...])))
        }
        #expect(try Data(contentsOf: streamed) == Data(contentsOf: whole))
        #expect(calls == ["features", "labels", "features", "labels"])
    }

    /// Rows missing, too many, of the wrong width, or different between the two passes: nothing is written.
    @Test func streamedRowsThatDoNotFitWriteNothing() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.npz")
        let two = try HostTensor(shape: [2, 1], data: [1, 2])
        let cases: [(rows: (Int) throws -> [HostTensor], message: String)] = [
            ({ _ in [try HostTensor(shape: [1, 1], data: [1])] }, "1 of the 2 rows of 'a'"),
            ({ _ in [two, two] }, "do not fit"),
            ({ _ in [try HostTensor(shape: [2], data: [1, 2])] }, "do not fit"),
            ({ pass in [try HostTensor(shape: [2, 1], data: [1, Float(pass)])] }, "differed between"),
        ]
        for (rows, message) in cases {
            var pass = 0
            #expect {
                try NPZFile.write(layout: [("a", [2, 1])], to: url) { _, append in
                    for batch in try rows(pass) { try append(batch) }
                    pass += 1
                }
            } throws: { "\($0)".contains(message) }
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test func readsNumPyArchivesStoredAndDeflated() throws {
        let directory = try TemporaryDirectory()
        let deflated = try NPZFile.read(directory.write(Fixtures.bytes(Fixtures.deflatedNPZ), as: "deflated.npz"))
        #expect(deflated["weights"] == (try HostTensor(shape: [3, 4], data: (0 ..< 12).map(Float.init))))
        #expect(deflated["bias"] == (try HostTensor(shape: [2], data: [0.5, -1])))
        let stored = try NPZFile.read(directory.write(Fixtures.bytes(Fixtures.storedNPZ), as: "stored.npz"))
        #expect(stored == ["a": try HostTensor(shape: [1, 2], data: [1, 2])])
    }

    @Test func damagedArchivesThrow() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("damaged.npz")
        try NPZFile.write(["x": try HostTensor(shape: [4], data: [1, 2, 3, 4])], to: url)
        let good = try Data(contentsOf: url)
        var flipped = good
        flipped[30 + "x.npy".utf8.count + 130] ^= 0x01  // a data byte of x: the CRC-32 no longer matches
        try flipped.write(to: url)
        #expect { try NPZFile.read(url) } throws: { ($0 as? TensorFileError)?.detail.contains("CRC-32") == true }
        try good.prefix(good.count - 30).write(to: url)
        #expect { try NPZFile.read(url) } throws: { ($0 as? TensorFileError)?.kind == .corrupt }
    }

    /// Found by NPYFuzzer: deflated members of about 100 bytes stating nearly 4 GiB each, which the reader allocated
    /// before inflating.
    static let fuzzedHugeMembers =
        "UEsDBC0AAAAIAAAAIQAtbyIm//////////8LABQAd2VpZ2h0cy5ucHkBABAAsAAAAAAAAABmAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6T"
        + "ZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CiaaOgq1CmQDLgYwaLAHEg5ABMQNQLwAiA8A8QMgZnBkYBAAYlA2IEtwBAUAAwQt"
        + "AAAACAAAACEAhKma7///////////CAAUAGJpYXMubnB5AQAQAIgAAAAAAAAATAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZf"
        + "VFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuBgYGewaGhv0AUEsBAi0DLQAAAAgAAAAhAC1vIiZmAAAAsAAA7wsAAAAAAAAAAAAA"
        + "AIABAAAAAHdlaWdodHMubnB5UEsBAi0DLQAAAAgAAAAhAISpmu9MAAAAiAAAAAAAAAgAAAAAAAAAAIABowAAAGJpYXMubnB5UEsFBgAAAAACAAIA"
        + "bwAAACkBAAAAAA=="

    @Test func deflatedMembersCannotStateMoreThanDeflateCanHold() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write(Fixtures.bytes(Self.fuzzedHugeMembers), as: "huge.npz")
        #expect {
            try NPZFile.read(url)
        } throws: {
            let error = $0 as? TensorFileError
            return error?.kind == .corrupt
                && error?.detail
                    == "deflated member 'weights.npy' of 102 bytes cannot inflate to the 4009754800 it states"
        }
    }

    @Test func crcIsZlibs() {
        // The standard CRC-32 check value.
        #expect(Array("123456789".utf8).withUnsafeBytes { ZipArchive.crc32($0) } == 0xCBF4_3926)
    }
}
