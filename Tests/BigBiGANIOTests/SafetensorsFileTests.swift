import Foundation
import Tensors
import Testing

@testable import BigBiGANIO

@Suite struct SafetensorsFileTests {
    /// A file with a hand-written header, for corrupt cases.
    static func file(header: String, dataBytes: Int) -> Data {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(header.utf8.count))
        return Data(bytes + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes))
    }

    func expectError(_ kind: TensorFileError.Kind, _ bytes: Data, mentioning words: String) throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write(bytes, as: "case.safetensors")
        do {
            let file = try SafetensorsFile.read(url)
            Issue.record("expected \(kind), read \(file.tensors.keys.sorted())")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.path == url.path)
            #expect(error.detail.contains(words), "\(error)")
        }
    }

    @Test func roundTripKeepsTensorsAndMetadata() throws {
        let directory = try TemporaryDirectory()
        let file = SafetensorsFile(
            tensors: [
                "encoder/conv0/w": try HostTensor(shape: [3, 3, 3, 2], data: (0 ..< 54).map { Float($0) * 0.5 - 7 }),
                "bias \"quoted\"": try HostTensor(shape: [2], data: [.infinity, -0.0]),
                "empty": HostTensor(zeros: [2, 0]),
                "scalar": try HostTensor(shape: [], data: [3]),
            ],
            metadata: ["format": "pt", "note": "line\nbreak é"]
        )
        let url = directory.file("model.safetensors")
        try file.write(to: url)
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { $0.littleEndian(UInt64.self, at: 0) } ?? 0
        #expect(headerLength % 8 == 0)
        #expect(Int(headerLength) + 8 + (54 + 2 + 1) * 4 == bytes.count)
        let back = try SafetensorsFile.read(url)
        #expect(back.metadata == file.metadata)
        #expect(back.tensors.mapValues(\.shape) == file.tensors.mapValues(\.shape))
        #expect(
            back.tensors.mapValues { $0.data.map(\.bitPattern) } == file.tensors.mapValues { $0.data.map(\.bitPattern) }
        )
    }

    @Test func readsTheReferenceImplementationsFiles() throws {
        let directory = try TemporaryDirectory()
        let file = try SafetensorsFile.read(directory.write(Fixtures.bytes(Fixtures.safetensors), as: "np.safetensors"))
        #expect(file.metadata == ["format": "np"])
        #expect(file.tensors["w"] == (try HostTensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])))
        #expect(file.tensors["b"] == (try HostTensor(shape: [1], data: [-1.5])))
    }

    @Test func offsetsPastTheEndThrow() throws {
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: 8),
            mentioning: "outside the 8 data bytes")
    }

    @Test func inconsistentLayoutsThrow() throws {
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8),
            mentioning: "needs 12 bytes")
        try expectError(
            .corrupt,
            Self.file(
                header:
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                dataBytes: 12),
            mentioning: "overlaps")
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8),
            mentioning: "data bytes 0..<4 belong to no tensor")
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 8),
            mentioning: "data bytes 4..<8 belong to no tensor")
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, dataBytes: 0),
            mentioning: "invalid shape")
        // No data, but a sample of 2⁸⁰ elements (see NPYFileTests.shapesWhoseOtherDimensionsOverflowThrow).
        try expectError(
            .corrupt,
            Self.file(
                header: #"{"a":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#,
                dataBytes: 0),
            mentioning: "invalid shape")
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, dataBytes: 4),
            mentioning: "1 data offsets")
    }

    @Test func otherDtypesAreUnsupported() throws {
        try expectError(
            .unsupported, Self.file(header: #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, dataBytes: 4),
            mentioning: "dtype F16; only F32")
    }

    @Test func malformedHeadersThrow() throws {
        var hugeLength: [UInt8] = []
        hugeLength.appendLittleEndian(UInt64.max)
        try expectError(.corrupt, Data(hugeLength + Array("{}".utf8)), mentioning: "exceeds the 2 bytes")
        try expectError(.corrupt, Data([1, 2, 3]), mentioning: "too short")
        try expectError(.corrupt, Self.file(header: "[1, 2]  ", dataBytes: 0), mentioning: "does not start with '{'")
        try expectError(.corrupt, Self.file(header: #"{"a": nope}"#, dataBytes: 0), mentioning: "invalid JSON header")
        try expectError(
            .corrupt, Self.file(header: #"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, dataBytes: 8),
            mentioning: "shape")
        try expectError(
            .corrupt, Self.file(header: #"{"__metadata__":{"n":1}}"#, dataBytes: 0), mentioning: "__metadata__")
    }

    @Test func reservedNameCannotBeWritten() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("bad.safetensors")
        do {
            try SafetensorsFile.write(["__metadata__": HostTensor(zeros: [1])], to: url)
            Issue.record("wrote a tensor named __metadata__")
        } catch {
            #expect(error.kind == .invalidArgument)
        }
        #expect(try directory.contents().isEmpty)
    }
}
