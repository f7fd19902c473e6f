import Foundation
import Tensors
import Testing

@testable import BigBiGANIO

@Suite struct NPYFileTests {
    func expectError(_ kind: TensorFileError.Kind, reading url: URL, mentioning words: String? = nil) {
        do {
            let tensor = try NPYFile.read(url)
            Issue.record("expected \(kind), read \(tensor.shape)")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.path == url.path)
            if let words { #expect(error.detail.contains(words), "\(error)") }
        }
    }

    /// A version 2.0 file written by hand: a 4-byte header length and a header padded past 65535 bytes, the way NumPy
    /// writes arrays whose header does not fit version 1.0.
    static func version2File(shape: [Int], values: [Float]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        let total = 70_000 + (64 - (12 + 70_000) % 64) % 64
        header += [UInt8](repeating: 0x20, count: total - header.count - 1) + [0x0A]
        var bytes = NPYFile.magic + [2, 0]
        bytes.appendLittleEndian(UInt32(header.count))
        bytes += header
        for value in values { bytes.appendLittleEndian(value.bitPattern) }
        return bytes
    }

    @Test func roundTripsKeepShapeAndBits() throws {
        let directory = try TemporaryDirectory()
        let cases: [HostTensor] = [
            try HostTensor(shape: [2, 3], data: [1, -2.5, .pi, 0, -0, .greatestFiniteMagnitude]),
            try HostTensor(shape: [4], data: [.infinity, -.infinity, .leastNonzeroMagnitude, 65504]),
            try HostTensor(shape: [], data: [42]),
            try HostTensor(shape: [0, 5], data: []),
            try HostTensor(shape: [1, 2, 1, 3], data: [1, 2, 3, 4, 5, 6]),
        ]
        for (i, tensor) in cases.enumerated() {
            let url = directory.file("case\(i).npy")
            try NPYFile.write(tensor, to: url)
            let bytes = try Data(contentsOf: url)
            #expect(bytes[6] == 1, "version 1.0")
            #expect((bytes.count - tensor.data.count * 4) % 64 == 0, "data starts at a multiple of 64")
            let back = try NPYFile.read(url)
            #expect(back.shape == tensor.shape)
            #expect(back.data.map(\.bitPattern) == tensor.data.map(\.bitPattern))
        }
    }

    @Test func readsNumPyFilesIncludingFloat64() throws {
        let directory = try TemporaryDirectory()
        let float32 = try NPYFile.read(directory.write(Fixtures.bytes(Fixtures.float32NPY), as: "f4.npy"))
        #expect(float32 == (try HostTensor(shape: [2, 3], data: [0, 0.25, 0.5, 0.75, 1, 1.25])))
        let float64 = try NPYFile.read(directory.write(Fixtures.bytes(Fixtures.float64NPY), as: "f8.npy"))
        #expect(float64 == (try HostTensor(shape: [3], data: [1.5, -2.25, Float(1e-3)])))
    }

    @Test func readsVersion2LongHeaders() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write(Data(Self.version2File(shape: [3, 1], values: [7, 8, 9])), as: "v2.npy")
        #expect(try NPYFile.read(url) == (try HostTensor(shape: [3, 1], data: [7, 8, 9])))
    }

    @Test func writesVersion2WhenTheHeaderIsLong() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("rank-30000.npy")
        let tensor = try HostTensor(shape: Shape([Int](repeating: 1, count: 30_000)), data: [5])
        try NPYFile.write(tensor, to: url)
        let bytes = try Data(contentsOf: url)
        #expect(bytes[6] == 2)
        #expect((bytes.count - 4) % 64 == 0)
        #expect(try NPYFile.read(url) == tensor)
    }

    @Test func badFilesThrowClearErrors() throws {
        let directory = try TemporaryDirectory()
        let good = Array(Fixtures.bytes(Fixtures.float32NPY))
        /// The fixture with one piece of its (ASCII) header replaced by another of the same length.
        func replacingHeader(_ old: String, with new: String) -> Data {
            let (old, new) = (Array(old.utf8), Array(new.utf8))
            guard
                let start = (0 ... good.count - old.count).first(where: {
                    good[$0 ..< $0 + old.count].elementsEqual(old)
                })
            else {
                Issue.record("'\(String(decoding: old, as: UTF8.self))' is not in the header")
                return Data(good)
            }
            var bytes = good
            bytes.replaceSubrange(start ..< start + old.count, with: new)
            return Data(bytes)
        }
        expectError(
            .corrupt, reading: try directory.write(Data("PK not numpy".utf8), as: "magic.npy"), mentioning: "magic")
        expectError(
            .corrupt, reading: try directory.write(Data(good.prefix(9)), as: "preamble.npy"), mentioning: "preamble")
        expectError(
            .corrupt, reading: try directory.write(Data(good.prefix(60)), as: "short.npy"), mentioning: "past the end")
        expectError(
            .corrupt, reading: try directory.write(Data(good.dropLast(4)), as: "data.npy"),
            mentioning: "needs 24 data bytes")
        expectError(
            .corrupt,
            reading: try directory.write(replacingHeader("'shape': (2, 3)", with: "'shape': [2, 3]"), as: "bad.npy"),
            mentioning: "unexpected value")
        expectError(
            .corrupt, reading: try directory.write(replacingHeader("'descr'", with: "'dtype'"), as: "keys.npy"),
            mentioning: "header keys")
        expectError(
            .unsupported, reading: try directory.write(replacingHeader("False", with: "True "), as: "fortran.npy"),
            mentioning: "Fortran")
        expectError(
            .unsupported, reading: try directory.write(replacingHeader("<f4", with: "<i4"), as: "int.npy"),
            mentioning: "'<i4'")
        expectError(
            .unsupported, reading: try directory.write(replacingHeader("<f4", with: ">f4"), as: "big.npy"),
            mentioning: "big-endian")
        expectError(
            .unsupported,
            reading: try directory.write(
                replacingHeader("'<f4'", with: "[('a', '<f4'), ('b', '<i4')]"), as: "structured.npy"),
            mentioning: "structured dtype")
        var version9 = good
        version9[6] = 9
        expectError(.unsupported, reading: try directory.write(Data(version9), as: "v9.npy"), mentioning: "version 9")
        expectError(.unreadable, reading: directory.file("missing.npy"))
    }

    /// Rows handed over a batch at a time make the same bytes as one write of the whole array.
    @Test func rowsWrittenInBatchesMatchAWholeWrite() throws {
        let directory = try TemporaryDirectory()
        var random = SeededRandom(seed: 3)
        let whole = random.uniformTensor([5, 2, 3], in: -1 ..< 1)
        try NPYFile.write(whole, to: directory.file("whole.npy"))
        try NPYFile.write(shape: whole.shape, to: directory.file("rows.npy")) { rows in
            for range in [0 ..< 2, 2 ..< 4, 4 ..< 5] {
                try rows.append(
                    HostTensor(
                        shape: [range.count, 2, 3],
                        data: Array(whole.data[range.lowerBound * 6 ..< range.upperBound * 6])))
            }
        }
        #expect(try Data(contentsOf: directory.file("rows.npy")) == Data(contentsOf: directory.file("whole.npy")))
    }

    /// Too few rows, rows of the wrong shape, or an error from the producer: nothing is written, an existing file is
    /// kept, and the producer's error comes back unchanged.
    @Test func anIncompleteArrayWritesNothing() throws {
        struct Stop: Error {}
        let directory = try TemporaryDirectory()
        let url = directory.file("out.npy")
        try NPYFile.write(HostTensor(zeros: [1]), to: url)
        let before = try Data(contentsOf: url)
        let row = HostTensor(zeros: [1, 4])
        #expect(throws: TensorFileError.self) {
            try NPYFile.write(shape: [3, 4], to: url) { rows in try rows.append(row) }
        }
        #expect(throws: TensorFileError.self) {
            try NPYFile.write(shape: [3, 4], to: url) { rows in try rows.append(HostTensor(zeros: [1, 5])) }
        }
        #expect(throws: Stop.self) {
            try NPYFile.write(shape: [3, 4], to: url) { rows in
                try rows.append(row)
                throw Stop()
            }
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try directory.contents() == ["out.npy"])
    }

    /// (0, 2⁴⁰, 2⁴⁰) holds no data, but one sample of it has 2⁸⁰ elements: `Shape.perSample` on the tensor trapped in
    /// NPYFuzzer's checks of what the reader returns. As in NumPy, the non-zero dimensions must not overflow.
    @Test func shapesWhoseOtherDimensionsOverflowThrow() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("zero.npy")
        try NPYFile.write(try HostTensor(shape: [0, 1 << 40, 1 << 40], data: []), to: url)
        expectError(.corrupt, reading: url, mentioning: "shape [0, 1099511627776, 1099511627776] is too large")
        try NPYFile.write(try HostTensor(shape: [1 << 40, 0, 1 << 20], data: []), to: url)
        let empty = try NPYFile.read(url)
        #expect(empty.shape == [1 << 40, 0, 1 << 20] && empty.data.isEmpty && empty.shape.perSample == 0)
    }
}
