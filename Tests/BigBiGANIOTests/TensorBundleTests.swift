import CheckpointWriting
import Foundation
import Tensors
import Testing

@testable import BigBiGANIO

@Suite struct TensorBundleTests {
    /// The checkpoint TensorFlow 2.15 wrote (tools/fixtures/make_checkpoint_fixture.py) and its values as .npz.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let checkpoint = fixtures.appendingPathComponent("checkpoint/variables/variables")
    static let g = "GenEncWrapper/Generator/"

    /// A bundle written by `TensorBundleWriter` into a fresh directory.
    static func written(_ writer: TensorBundleWriter, in directory: TemporaryDirectory) throws -> URL {
        let prefix = directory.file("variables")
        try writer.write(prefix: prefix)
        return prefix
    }

    static func sample(count: Int = 3) -> TensorBundleWriter {
        var writer = TensorBundleWriter()
        for i in 0 ..< count {
            writer.add("layer\(i)/w", [2, i + 1], (0 ..< 2 * (i + 1)).map { Float($0) - Float(i) * 0.5 })
        }
        return writer
    }

    /// Runs `body` and checks that it throws a `TensorFileError` of `kind` whose text contains every word given.
    func expectError<T>(
        _ kind: TensorFileError.Kind, mentioning words: [String], path: String? = nil,
        _ body: () throws -> T
    ) {
        do {
            _ = try body()
            Issue.record("expected a \(kind) error mentioning \(words)")
        } catch let error as TensorFileError {
            #expect(error.kind == kind, "\(error)")
            if let path { #expect(error.path == path, "\(error)") }
            for word in words { #expect(error.description.contains(word), "'\(word)' not in: \(error)") }
        } catch {
            Issue.record("expected TensorFileError, got \(error)")
        }
    }

    /// Overwrites the file at `url` with `change` applied to its bytes.
    static func damage(_ url: URL, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        change(&bytes)
        try Data(bytes).write(to: url)
    }

    // MARK: CRC32C

    @Test func crc32cMatchesTheStandardCheckValuesAndMasking() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // RFC 3720 (iSCSI) appendix B.4 vectors: 32 zero bytes, 32 bytes 0xFF, bytes 0…31.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0 ..< 32).map(UInt8.init)) == 0x46DD_794E)
        // LevelDB's mask: rotate right by 15, add 0xa282ead8.
        #expect(CRC32C.mask(0xE306_9283) == 0xC78A_B0E5)
        for crc: UInt32 in [0, 1, 0xE306_9283, .max] { #expect(CRC32C.unmask(CRC32C.mask(crc)) == crc) }
    }

    /// The eight-bytes-a-step path against the byte-at-a-time definition, at every length and misalignment up to 40.
    @Test func crc32cSlicingAgreesWithTheBitwiseDefinition() {
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0 ..< 8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        let data = (0 ..< 48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for start in 0 ..< 8 {
            for length in 0 ... 40 {
                let slice = data[start ..< start + length]
                #expect(
                    Array(slice).withUnsafeBytes { CRC32C.checksum($0) } == reference(slice),
                    "start \(start) length \(length)")
            }
        }
    }

    // MARK: Reading

    @Test func readsTheCheckpointTensorFlowWrote() throws {
        let bundle = try TensorBundle(prefix: Self.checkpoint)
        #expect(bundle.header == BundleHeader(shardCount: 1, isBigEndian: false, producerVersion: 1))
        let expected = try NPZFile.read(Self.fixtures.appendingPathComponent("checkpoint-values.npz"))
        #expect(expected.count == 19)
        for (name, tensor) in expected {
            let read = try bundle.float32(name)
            #expect(read.shape == tensor.shape, "\(name)")
            #expect(read.data.map(\.bitPattern) == tensor.data.map(\.bitPattern), "\(name)")
        }
        #expect(Set(bundle.entries.keys) == Set(expected.keys).union(["global_step"]))
        #expect(bundle.entries[Self.g + "GBlock_1/conv0/w"]?.shape == [3, 3, 4, 6])
        #expect(bundle.entries[Self.g + "attention/gamma"]?.shape == [])
        #expect(bundle.names.first == "GenEncWrapper/Discriminator/linear/w")
    }

    @Test func otherDtypesAreNamedNotGuessed() throws {
        let bundle = try TensorBundle(prefix: Self.checkpoint)
        #expect(bundle.entries["global_step"]?.dtype.description == "DT_INT64")
        #expect(bundle.entries["global_step"]?.dtype.itemSize == 8)
        expectError(.unsupported, mentioning: ["global_step", "DT_INT64", "only DT_FLOAT"]) {
            try bundle.float32("global_step")
        }
        expectError(.notFound, mentioning: ["no tensor named 'nothing/here'"]) { try bundle.float32("nothing/here") }
    }

    /// Many small data blocks (several entries each, restart points every 3, shared key prefixes) read back exactly.
    @Test func readsTablesWithManyDataBlocks() throws {
        let directory = try TemporaryDirectory()
        var writer = TensorBundleWriter()
        writer.blockSize = 200
        writer.restartInterval = 3
        var expected: [String: HostTensor] = [:]
        for block in 0 ..< 6 {
            for conv in ["conv0", "conv1", "conv_sc"] {
                for variable in ["w", "b", "u0", "w/ema_0.9999"] {
                    let name = "GenEncWrapper/Generator/GBlock_\(block)/\(conv)/\(variable)"
                    let values = (0 ..< 3 + block).map { Float($0) * 0.25 + Float(block) - Float(name.count) }
                    writer.add(name, [values.count], values)
                    expected[name] = try HostTensor(shape: [values.count], data: values)
                }
            }
        }
        let prefix = directory.file("variables")
        let blocks = try writer.write(prefix: prefix)
        #expect(blocks >= 8)
        let bundle = try TensorBundle(prefix: prefix)
        #expect(bundle.entries.count == expected.count)
        for (name, tensor) in expected { #expect(try bundle.float32(name) == tensor, "\(name)") }
    }

    @Test func scalarsAndEmptyTensorsRead() throws {
        let directory = try TemporaryDirectory()
        var writer = TensorBundleWriter()
        writer.add("gamma", [], [0.5])
        writer.add("empty", [2, 0], [])
        let bundle = try TensorBundle(prefix: Self.written(writer, in: directory))
        #expect(try bundle.float32("gamma") == HostTensor(shape: [], data: [0.5]))
        #expect(try bundle.float32("empty") == HostTensor(zeros: [2, 0]))
    }

    // MARK: Damage

    @Test func aFlippedDataByteFailsThatTensorsChecksumOnly() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        let data = TensorBundle.dataURL(prefix, shard: 0, of: 1)
        let bundle = try TensorBundle(prefix: prefix)
        let offset = try #require(bundle.entries["layer1/w"]?.offset)
        try Self.damage(data) { $0[offset + 5] ^= 0x10 }
        let damaged = try TensorBundle(prefix: prefix)
        expectError(.corrupt, mentioning: ["'layer1/w'", "checksum"], path: data.path) {
            try damaged.float32("layer1/w")
        }
        #expect(try damaged.float32("layer0/w") == bundle.float32("layer0/w"))
    }

    @Test func aFlippedByteInTensorFlowsDataFailsItsChecksum() throws {
        let directory = try TemporaryDirectory()
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(
                atPath: Self.checkpoint.path + suffix, toPath: directory.file("variables" + suffix).path)
        }
        let prefix = directory.file("variables")
        let name = Self.g + "GBlock_1/conv0/w/ema_0.9999"
        let offset = try #require(try TensorBundle(prefix: prefix).entries[name]?.offset)
        try Self.damage(TensorBundle.dataURL(prefix, shard: 0, of: 1)) { $0[offset] ^= 1 }
        expectError(.corrupt, mentioning: [name, "checksum"]) { try TensorBundle(prefix: prefix).float32(name) }
    }

    @Test func truncatedIndexThrows() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        let index = TensorBundle.indexURL(prefix)
        try Self.damage(index) { $0.removeLast(7) }
        expectError(.corrupt, mentioning: ["truncated"], path: index.path) { try TensorBundle(prefix: prefix) }
        try Self.damage(index) { $0 = Array($0.prefix(30)) }
        expectError(.corrupt, mentioning: ["truncated", "30 bytes"], path: index.path) {
            try TensorBundle(prefix: prefix)
        }
    }

    @Test func badMagicThrows() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        try Self.damage(TensorBundle.indexURL(prefix)) { $0[$0.count - 1] ^= 0xFF }
        expectError(.corrupt, mentioning: ["magic"]) { try TensorBundle(prefix: prefix) }
    }

    @Test func aFlippedIndexByteFailsItsBlockChecksum() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        try Self.damage(TensorBundle.indexURL(prefix)) { $0[3] ^= 0x01 }
        expectError(.corrupt, mentioning: ["data block 0", "checksum"]) { try TensorBundle(prefix: prefix) }
    }

    @Test func dataBeyondTheShardThrows() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        try Self.damage(TensorBundle.dataURL(prefix, shard: 0, of: 1)) { $0.removeLast(4) }
        let bundle = try TensorBundle(prefix: prefix)
        expectError(.corrupt, mentioning: ["'layer2/w'", "beyond the shard"]) { try bundle.float32("layer2/w") }
    }

    @Test func aMissingShardThrows() throws {
        let directory = try TemporaryDirectory()
        let prefix = try Self.written(Self.sample(), in: directory)
        let data = TensorBundle.dataURL(prefix, shard: 0, of: 1)
        try FileManager.default.removeItem(at: data)
        expectError(.unreadable, mentioning: ["data shard 0 of 1"], path: data.path) {
            try TensorBundle(prefix: prefix)
        }
        expectError(.unreadable, mentioning: [], path: TensorBundle.indexURL(directory.file("absent")).path) {
            try TensorBundle(prefix: directory.file("absent"))
        }
    }

    @Test func snappyBlocksAreUnsupported() throws {
        let directory = try TemporaryDirectory()
        var writer = Self.sample()
        writer.compression = 1
        expectError(.unsupported, mentioning: ["Snappy"]) {
            try TensorBundle(prefix: Self.written(writer, in: directory))
        }
        writer.compression = 7
        expectError(.corrupt, mentioning: ["compression type 7"]) {
            try TensorBundle(prefix: Self.written(writer, in: directory))
        }
    }

    @Test func partitionedVariablesAreUnsupported() throws {
        let directory = try TemporaryDirectory()
        var writer = Self.sample()
        writer.items[1].slices = 2
        let bundle = try TensorBundle(prefix: Self.written(writer, in: directory))
        #expect(bundle.entries["layer1/w"]?.sliceCount == 2)
        expectError(.unsupported, mentioning: ["'layer1/w'", "partitioned", "2 slices"]) {
            try bundle.float32("layer1/w")
        }
    }

    @Test func bigEndianBundlesAreUnsupported() throws {
        let directory = try TemporaryDirectory()
        var writer = Self.sample()
        writer.bigEndian = true
        expectError(.unsupported, mentioning: ["big-endian"]) {
            try TensorBundle(prefix: Self.written(writer, in: directory))
        }
    }

    @Test func wrongSizesThrow() throws {
        let directory = try TemporaryDirectory()
        var writer = Self.sample()
        writer.items[0].shape = [3, 1]
        let bundle = try TensorBundle(prefix: Self.written(writer, in: directory))
        expectError(.corrupt, mentioning: ["'layer0/w'", "[3, 1]", "8 bytes"]) { try bundle.float32("layer0/w") }
    }

    /// Well-formed blocks (valid checksums) with bad contents, written with `Table.assemble`.
    @Test(
        arguments: [
            ("bad varint", [UInt8](repeating: 0xFF, count: 11) + [0, 0, 0, 0, 1, 0, 0, 0], "varint"),
            ("value past the entries", [0, 1, 50, 0x61, 0, 0, 0, 0, 1, 0, 0, 0], "value of 50 bytes"),
            ("shared past the previous key", [3, 1, 0, 0x61, 0, 0, 0, 0, 1, 0, 0, 0], "shares 3 bytes"),
            ("too many restarts", [0, 0, 0, 0, 200, 0, 0, 0], "restart points do not fit"),
            ("restart inside an entry", [0, 1, 0, 0x61, 2, 0, 0, 0, 1, 0, 0, 0], "restart offset 2"),
            ("too short for a block", [1, 0], "too short for a block"),
        ] as [(String, [UInt8], String)])
    func malformedBlocksThrow(_ name: String, contents: [UInt8], message: String) throws {
        let directory = try TemporaryDirectory()
        let prefix = directory.file("variables")
        try Data(Table.assemble([(contents, [0x7A])])).write(to: TensorBundle.indexURL(prefix))
        expectError(.corrupt, mentioning: [message]) { try TensorBundle(prefix: prefix) }
    }

    @Test func keysOutOfOrderOrWithoutHeaderThrow() throws {
        let directory = try TemporaryDirectory()
        let prefix = directory.file("variables")
        let header = Proto.header(shards: 1, bigEndian: false)
        let unordered = Table.block([([], header), ([0x62], []), ([0x61], [])], restartInterval: 1)
        try Data(Table.assemble([(unordered, [0x62])])).write(to: TensorBundle.indexURL(prefix))
        expectError(.corrupt, mentioning: ["does not follow"]) { try TensorBundle(prefix: prefix) }
        let headless = Table.block(
            [([0x61], Proto.entry(dtype: 1, shape: [], offset: 0, size: 4, crc: 0))], restartInterval: 1)
        try Data(Table.assemble([(headless, [0x61])])).write(to: TensorBundle.indexURL(prefix))
        expectError(.corrupt, mentioning: ["no bundle header"]) { try TensorBundle(prefix: prefix) }
        let pastIndexKey = Table.block([([], header), ([0x63], [])], restartInterval: 1)
        try Data(Table.assemble([(pastIndexKey, [0x62])])).write(to: TensorBundle.indexURL(prefix))
        expectError(.corrupt, mentioning: ["past its index key"]) { try TensorBundle(prefix: prefix) }
    }

    @Test func badProtobufEntriesThrow() throws {
        let directory = try TemporaryDirectory()
        let prefix = directory.file("variables")
        let header = Proto.header(shards: 1, bigEndian: false)
        for (value, message) in [
            ([0x0B] as [UInt8], "wire type 3"), ([0x12, 0x09, 0x01], "runs past the end"),
            (Proto.entry(dtype: 1, shape: [-1], offset: 0, size: 0, crc: 0), "negative dimension"),
            (Proto.entry(dtype: 1, shape: [], shard: 3, offset: 0, size: 4, crc: 0), "shard 3"),
        ] {
            let contents = Table.block([([], header), ([0x61], value)], restartInterval: 16)
            try Data(Table.assemble([(contents, [0x61])])).write(to: TensorBundle.indexURL(prefix))
            expectError(.corrupt, mentioning: [message, "'a'"]) { try TensorBundle(prefix: prefix) }
        }
    }
}
