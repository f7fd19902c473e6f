/// One key/value pair of a table, in key order.
struct TableEntry: Equatable {
    let key: [UInt8]
    let value: [UInt8]
}

/// A TensorFlow table (the `.index` of a tensor bundle): LevelDB's SSTable format without filter blocks
/// (`docs/released-modules.md`, Tensor bundle format).
///
///     [data block]* [metaindex block] [index block] [footer: 2 block handles, zero padding to 40 bytes, 8-byte magic]
///
/// A block handle is (varint64 offset, varint64 size) of a block's contents, which are followed on disk by a
/// one-byte compression type and the masked CRC32C of contents + type. Block contents are prefix-compressed entries
/// (varint32 shared, non-shared, value length; key suffix; value), then the uint32 restart offsets and their count.
/// The index block maps a separator key ≥ each data block's last key to that block's handle.
enum TableFile {
    static let footerLength = 48
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    /// Compression type byte and masked CRC32C after each block's contents.
    static let trailerLength = 5

    struct BlockHandle {
        let offset: Int
        let size: Int
    }

    /// Every entry of the table in order, each block's checksum verified. Throws on anything malformed,
    /// on compressed blocks (TensorFlow writes none) and on keys that are not strictly increasing.
    static func entries(of file: [UInt8]) throws(FormatProblem) -> [TableEntry] {
        guard file.count >= footerLength else {
            throw .corrupt("truncated: \(file.count) bytes is shorter than the \(footerLength)-byte table footer")
        }
        let footerStart = file.count - footerLength
        var magicCursor = ByteCursor(file, file.count - 8 ..< file.count)
        let found = try magicCursor.fixed64()
        guard found == magic else {
            throw .corrupt(
                "no table magic at the end (found 0x\(String(found, radix: 16)), expected 0x\(String(magic, radix: 16))): "
                    + "the file is truncated or is not a TensorFlow checkpoint index")
        }
        var footer = ByteCursor(file, footerStart ..< file.count - 8)
        let metaindex: BlockHandle
        let index: BlockHandle
        do {
            metaindex = try handle(&footer)
            index = try handle(&footer)
        } catch {
            throw error.within("table footer")
        }
        // Expanded keys may not outgrow the file by much: bounds memory on files built to repeat a long shared prefix.
        var keyBudget = 16 * file.count + (1 << 20)
        // The metaindex block is empty in TensorFlow tables; only its checksum is checked.
        _ = try block(metaindex, in: file, limit: footerStart, name: "metaindex block")
        let indexEntries = try blockEntries(
            block(index, in: file, limit: footerStart, name: "index block"), in: file,
            name: "index block", keyBudget: &keyBudget)
        var result: [TableEntry] = []
        var nextFreeByte = 0
        for (i, indexEntry) in indexEntries.enumerated() {
            var value = ByteCursor(indexEntry.value)
            let name = "data block \(i)"
            let data: BlockHandle
            do {
                data = try handle(&value)
            } catch {
                throw error.within("index entry for \(name)")
            }
            // Data blocks follow each other without overlapping, so every byte is checked at most once.
            guard data.offset >= nextFreeByte else {
                throw .corrupt(
                    "\(name) at offset \(data.offset) overlaps the block before it (which ends at byte \(nextFreeByte))"
                )
            }
            let contents = try block(data, in: file, limit: footerStart, name: name)
            nextFreeByte = contents.upperBound + trailerLength
            let entries = try blockEntries(contents, in: file, name: name, keyBudget: &keyBudget)
            for entry in entries {
                if let previous = result.last?.key, !previous.lexicographicallyPrecedes(entry.key) {
                    throw .corrupt(
                        "\(name): key '\(printable(entry.key))' does not follow '\(printable(previous))' in order")
                }
                guard !indexEntry.key.lexicographicallyPrecedes(entry.key) else {
                    throw .corrupt(
                        "\(name): key '\(printable(entry.key))' is past its index key '\(printable(indexEntry.key))'")
                }
                result.append(entry)
            }
        }
        return result
    }

    /// A block handle: varint64 offset and size, both within `Int`.
    static func handle(_ cursor: inout ByteCursor) throws(FormatProblem) -> BlockHandle {
        let offset = try cursor.count()
        let size = try cursor.count()
        return BlockHandle(offset: offset, size: size)
    }

    /// The contents range of the block at `handle`, after checking that it and its trailer end before `limit`,
    /// verifying the masked CRC32C of contents + type byte, and rejecting compressed blocks.
    static func block(_ handle: BlockHandle, in file: [UInt8], limit: Int, name: String) throws(FormatProblem) -> Range<
        Int
    > {
        let (contentsEnd, overflow) = handle.offset.addingReportingOverflow(handle.size)
        guard !overflow, contentsEnd <= limit - trailerLength else {
            throw .corrupt(
                "\(name) at offset \(handle.offset) of \(handle.size) bytes (+\(trailerLength) trailer) "
                    + "extends past the \(limit) bytes before the footer; the file is truncated or the handle is damaged"
            )
        }
        let type = file[contentsEnd]
        var trailer = ByteCursor(file, contentsEnd + 1 ..< contentsEnd + trailerLength)
        let stored = CRC32C.unmask(try trailer.fixed32())
        let actual = file.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[handle.offset ... contentsEnd]))
        }
        guard stored == actual else {
            throw .corrupt(
                "\(name) at offset \(handle.offset) fails its checksum (stored CRC32C 0x\(String(stored, radix: 16)), "
                    + "computed 0x\(String(actual, radix: 16)))")
        }
        switch type {
        case 0: return handle.offset ..< contentsEnd
        case 1:
            throw .unsupported(
                "\(name) at offset \(handle.offset) is Snappy-compressed, which this reader does not support")
        default: throw .corrupt("\(name) at offset \(handle.offset) has unknown compression type \(type)")
        }
    }

    /// The entries of one block, keys expanded from their shared prefixes, with the restart array checked:
    /// every restart offset must start an entry that shares nothing with the key before it.
    /// `keyBudget` is the number of expanded key bytes still allowed.
    static func blockEntries(
        _ range: Range<Int>, in file: [UInt8], name: String,
        keyBudget: inout Int
    ) throws(FormatProblem) -> [TableEntry] {
        do {
            return try blockEntries(range, in: file, keyBudget: &keyBudget)
        } catch {
            throw error.within("\(name) at offset \(range.lowerBound)")
        }
    }

    private static func blockEntries(_ range: Range<Int>, in file: [UInt8], keyBudget: inout Int) throws(FormatProblem)
        -> [TableEntry]
    {
        guard range.count >= 4 else { throw .corrupt("\(range.count) bytes is too short for a block") }
        var countCursor = ByteCursor(file, range.upperBound - 4 ..< range.upperBound)
        let restartCount = Int(try countCursor.fixed32())
        guard restartCount <= (range.count - 4) / 4 else {
            throw .corrupt("\(restartCount) restart points do not fit in \(range.count) bytes")
        }
        let restartsStart = range.upperBound - 4 * (restartCount + 1)
        var restartCursor = ByteCursor(file, restartsStart ..< range.upperBound - 4)
        var restarts: [Int] = []
        for _ in 0 ..< restartCount { restarts.append(Int(try restartCursor.fixed32())) }

        var cursor = ByteCursor(file, range.lowerBound ..< restartsStart)
        var entries: [TableEntry] = []
        var key: [UInt8] = []
        var freshStarts: Set<Int> = []
        while !cursor.isAtEnd {
            let entryOffset = cursor.position - range.lowerBound
            let shared = Int(try cursor.varint32())
            let unshared = Int(try cursor.varint32())
            let valueLength = Int(try cursor.varint32())
            guard shared <= key.count else {
                throw .corrupt(
                    "entry at byte \(entryOffset) shares \(shared) bytes with a \(key.count)-byte previous key")
            }
            let suffix = try cursor.take(unshared, "key")
            let value = try cursor.take(valueLength, "value")
            keyBudget -= shared + unshared
            guard keyBudget >= 0 else {
                throw .corrupt("entry at byte \(entryOffset): expanded keys are far larger than the file")
            }
            key = Array(key[0 ..< shared]) + file[suffix]
            entries.append(TableEntry(key: key, value: Array(file[value])))
            if shared == 0 { freshStarts.insert(entryOffset) }
        }
        guard !entries.isEmpty || restarts.allSatisfy({ $0 == 0 }) else {
            throw .corrupt("an empty block has restart offsets \(restarts)")
        }
        guard entries.isEmpty || !restarts.isEmpty else {
            throw .corrupt("\(entries.count) entries but no restart points")
        }
        for restart in restarts where !entries.isEmpty && !freshStarts.contains(restart) {
            throw .corrupt("restart offset \(restart) is not the start of an entry with an unshared key")
        }
        return entries
    }

    /// A key for messages: printable ASCII kept, other bytes as \xNN.
    static func printable(_ key: [UInt8]) -> String {
        key.map { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }
            .joined()
    }
}
