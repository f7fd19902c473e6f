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
