import Foundation
import Tensors
import Testing

@testable import BigBiGANIO

/// `MappedArrayFile`: arrays read in place from .safetensors, .npz and .npy, rows converted on demand; and
/// `SafetensorsFile.write(layout:…)`, which streams rows into a file.
@Suite struct MappedArrayFileTests {
    /// A .npy of `descr` with the little-endian `bytes` as data.
    static func npy(descr: String, shape: [Int], data: [UInt8]) -> Data {
        let literal = Array(NPYHeader(descr: descr, fortranOrder: false, shape: shape).literal.utf8)
        let padding = (64 - (10 + literal.count + 1) % 64) % 64
        var bytes = NPYFile.magic + [1, 0]
        bytes.appendLittleEndian(UInt16(literal.count + padding + 1))
        return Data(bytes + literal + [UInt8](repeating: 0x20, count: padding) + [0x0A] + data)
    }

    /// Little-endian bytes of integers or floats.
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    static func bytes(_ values: [Double]) -> [UInt8] { bytes(values.map(\.bitPattern)) }

    func rows(of array: MappedArray, _ range: Range<Int>) throws -> [Float] {
        var values = [Float](repeating: .nan, count: range.count * array.rowLength)
        try values.withUnsafeMutableBufferPointer { try array.copyRows(range, into: $0) }
        return values
    }

    @Test func safetensorsArraysAreReadInPlaceRowByRow() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("features.safetensors")
        let features = try HostTensor(shape: [4, 3], data: (0 ..< 12).map { Float($0) * 0.25 - 1 })
        let labels = try HostTensor(shape: [4], data: [2, 0, 1, 2])
        try SafetensorsFile.write(["feat": features, "labels": labels], metadata: ["classes": "[]"], to: url)
        let file = try MappedArrayFile.open(url)
        #expect(file.metadata == ["classes": "[]"])
        let feat = try #require(file.arrays["feat"])
        #expect(feat.shape == [4, 3] && feat.rowCount == 4 && feat.rowLength == 3 && feat.elementType == .float32)
        #expect(try rows(of: feat, 1 ..< 3) == Array(features.data[3 ..< 9]))
        #expect(try rows(of: feat, 0 ..< 4) == features.data)
        #expect(file.arrays["labels"]?.values() == [2, 0, 1, 2])
    }

    /// Integer and float64 tensors (labels as PyTorch or NumPy write them) are read and converted.
    @Test func integerAndFloat64SafetensorsAreConverted() throws {
        let directory = try TemporaryDirectory()
        let header =
            #"{"i64":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"#
            + #""i32":{"dtype":"I32","shape":[2],"data_offsets":[24,32]},"#
            + #""f64":{"dtype":"F64","shape":[1,2],"data_offsets":[32,48]}}"#
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(header.utf8.count))
        bytes += Array(header.utf8)
        bytes += Self.bytes([Int64(7), -3, 1 << 40]) + Self.bytes([Int32(-1), 5]) + Self.bytes([1.5, -0.1])
        let file = try MappedArrayFile.open(directory.write(Data(bytes), as: "mixed.safetensors"))
        #expect(file.arrays["i64"]?.values() == [7, -3, 0x1p40])
        #expect(file.arrays["i32"]?.values() == [-1, 5])
        #expect(file.arrays["f64"]?.values() == [1.5, -0.1])
        #expect(try rows(of: #require(file.arrays["f64"]), 0 ..< 1) == [1.5, Float(-0.1)])
        #expect(try rows(of: #require(file.arrays["i32"]), 1 ..< 2) == [5])
    }

    @Test func npyArraysOfEachTypeAreRead() throws {
        let directory = try TemporaryDirectory()
        let float32 = try MappedArrayFile.open(directory.write(Fixtures.bytes(Fixtures.float32NPY), as: "x.npy"))
        #expect(float32.arrays.keys.sorted() == ["x"])
        #expect(try rows(of: #require(float32.arrays["x"]), 1 ..< 2) == [0.75, 1, 1.25])
        let int64 = Self.npy(descr: "<i8", shape: [2, 2], data: Self.bytes([Int64(1), 2, -3, 4]))
        let labels = try MappedArrayFile.open(directory.write(int64, as: "labels.npy"))
        #expect(labels.arrays["labels"]?.elementType == .int64)
        #expect(try rows(of: #require(labels.arrays["labels"]), 1 ..< 2) == [-3, 4])
        let int32 = Self.npy(descr: "<i4", shape: [3], data: Self.bytes([Int32(0), 9, 4]))
        #expect(try MappedArrayFile.open(directory.write(int32, as: "y.npy")).arrays["y"]?.values() == [0, 9, 4])
    }

    /// Stored members are read where they lie; deflated ones (`savez_compressed`) are inflated when opened.
    @Test func npzMembersStoredAndDeflatedAreRead() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("features.npz")
        let features = try HostTensor(shape: [2, 2], data: [1, -2, 3, -4])
        try NPZFile.write(["feat": features, "labels": try HostTensor(shape: [2], data: [1, 0])], to: url)
        let stored = try MappedArrayFile.open(url)
        #expect(try rows(of: #require(stored.arrays["feat"]), 0 ..< 2) == features.data)
        #expect(stored.arrays["labels"]?.values() == [1, 0])
        let deflated = try MappedArrayFile.open(directory.write(Fixtures.bytes(Fixtures.deflatedNPZ), as: "d.npz"))
        #expect(try rows(of: #require(deflated.arrays["weights"]), 2 ..< 3) == [8, 9, 10, 11])
        #expect(deflated.arrays["bias"]?.values() == [0.5, -1])
    }

    @Test func badRequestsAndFilesThrow() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("f.safetensors")
        try SafetensorsFile.write(["a": try HostTensor(shape: [2, 2], data: [1, 2, 3, 4])], to: url)
        let array = try #require(try MappedArrayFile.open(url).arrays["a"])
        #expect { try rows(of: array, 1 ..< 3) } throws: {
            ($0 as? TensorFileError)?.kind == .outOfRange && "\($0)".contains("'a'")
        }
        var short = [Float](repeating: 0, count: 3)
        #expect { try short.withUnsafeMutableBufferPointer { try array.copyRows(0 ..< 2, into: $0) } } throws: {
            ($0 as? TensorFileError)?.kind == .outOfRange
        }

        let int16 = Self.npy(descr: "<i2", shape: [2], data: [1, 0, 2, 0])
        #expect { try MappedArrayFile.open(directory.write(int16, as: "s.npy")) } throws: {
            ($0 as? TensorFileError)?.kind == .unsupported && "\($0)".contains("<i2")
        }
        let truncated = Self.npy(descr: "<i8", shape: [2], data: Self.bytes([Int64(1)]))
        #expect { try MappedArrayFile.open(directory.write(truncated, as: "t.npy")) } throws: {
            ($0 as? TensorFileError)?.kind == .corrupt && "\($0)".contains("needs 16 data bytes")
        }
        let header = #"{"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#
        let bfloat = SafetensorsFileTests.file(header: header, dataBytes: 2)
        #expect { try MappedArrayFile.open(directory.write(bfloat, as: "b.safetensors")) } throws: {
            ($0 as? TensorFileError)?.kind == .unsupported && "\($0)".contains("F32, F64, I32, I64")
        }
        #expect { try MappedArrayFile.open(directory.write(Data([1, 2, 3]), as: "f.bin")) } throws: {
            ($0 as? TensorFileError)?.kind == .unsupported
        }
        #expect { try MappedArrayFile.open(directory.file("missing.npy")) } throws: {
            ($0 as? TensorFileError)?.kind == .unreadable
        }
    }

    /// Rows streamed tensor after tensor give the file `SafetensorsFile.write` would have written.
    @Test func streamedRowsGiveTheSameFileAsAWholeWrite() throws {
        let directory = try TemporaryDirectory()
        let features = try HostTensor(shape: [5, 2], data: (0 ..< 10).map { Float($0) - 4.5 })
        let labels = try HostTensor(shape: [5], data: [0, 1, 1, 0, 2])
        let streamed = directory.file("streamed.safetensors")
        try SafetensorsFile.write(
            layout: [("feat", features.shape), ("labels", labels.shape)], metadata: ["k": "v"], to: streamed
        ) { writer in
            try writer.append(try HostTensor(shape: [2, 2], data: Array(features.data[0 ..< 4])), to: "feat")
            try writer.append(try HostTensor(shape: [3, 2], data: Array(features.data[4...])), to: "feat")
            try writer.append(labels, to: "labels")
        }
        let whole = directory.file("whole.safetensors")
        try SafetensorsFile.write(["feat": features, "labels": labels], metadata: ["k": "v"], to: whole)
        #expect(try Data(contentsOf: streamed) == Data(contentsOf: whole))
    }

    @Test func streamedRowsOutOfOrderOrMissingWriteNothing() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.safetensors")
        let layout: [(name: String, shape: Shape)] = [("a", [2, 1]), ("b", [1])]
        let one = try HostTensor(shape: [1, 1], data: [1])
        #expect {
            try SafetensorsFile.write(layout: layout, to: url) {
                try $0.append(try HostTensor(shape: [1], data: [1]), to: "b")
            }
        } throws: { "\($0)".contains("'a' has 0 of its 2 rows") }
        #expect {
            try SafetensorsFile.write(layout: layout, to: url) { try $0.append(one, to: "a") }
        } throws: { "\($0)".contains("1 of the 2 rows of 'a'") }
        #expect {
            try SafetensorsFile.write(layout: layout, to: url) {
                try $0.append(try HostTensor(shape: [3, 1], data: [1, 2, 3]), to: "a")
            }
        } throws: { "\($0)".contains("do not fit") }
        #expect {
            try SafetensorsFile.write(layout: [("a", [1]), ("a", [1])], to: url) { _ in }
        } throws: { ($0 as? TensorFileError)?.kind == .invalidArgument }
        #expect(try directory.contents().isEmpty)
    }
}
