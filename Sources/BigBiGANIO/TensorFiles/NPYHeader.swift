/// The dictionary at the start of a .npy file, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
/// a Python literal of strings, booleans and tuples of integers.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// The literal NumPy writes, without padding.
    var literal: String {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': (\(dims)), }"
    }

    init(descr: String, fortranOrder: Bool, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// Parses the literal; exactly the keys `descr`, `fortran_order` and `shape` must be present.
    init(parsing text: [UInt8]) throws(FormatProblem) {
        var parser = Parser(bytes: text)
        let entries = try parser.dictionary()
        guard Set(entries.keys) == ["descr", "fortran_order", "shape"] else {
            throw .corrupt("header keys \(entries.keys.sorted()) are not descr, fortran_order and shape")
        }
        guard case .string(let descr) = entries["descr"] else {
            throw .unsupported("descr is not a simple dtype string (structured arrays are not supported)")
        }
        guard case .bool(let fortranOrder) = entries["fortran_order"] else {
            throw .corrupt("fortran_order is not True or False")
        }
        guard case .tuple(let shape) = entries["shape"] else { throw .corrupt("shape is not a tuple of integers") }
        self.init(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    private enum Value {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func dictionary() throws(FormatProblem) -> [String: Value] {
            try expect(UInt8(ascii: "{"))
            var entries: [String: Value] = [:]
            while true {
                skipSpaces()
                if peek() == UInt8(ascii: "}") { break }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                skipSpaces()
                // NumPy writes a structured dtype's descr as a list of (name, type) fields.
                if key == "descr", peek() == UInt8(ascii: "[") {
                    throw .unsupported(
                        "a structured dtype (a list of named fields) is not supported; save a plain float32 array")
                }
                guard entries.updateValue(try value(), forKey: key) == nil else {
                    throw .corrupt("header repeats key '\(key)'")
                }
                skipSpaces()
                if peek() == UInt8(ascii: ",") { position += 1 } else { break }
            }
            try expect(UInt8(ascii: "}"))
            skipSpaces()
            guard position == bytes.count else { throw .corrupt("unexpected text after the header dictionary") }
            return entries
        }

        private mutating func value() throws(FormatProblem) -> Value {
            skipSpaces()
            switch peek() {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            default:
                if consume("True") { return .bool(true) }
                if consume("False") { return .bool(false) }
                throw .corrupt("unexpected value at header byte \(position)")
            }
        }

        private mutating func string() throws(FormatProblem) -> String {
            skipSpaces()
            guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw .corrupt("expected a quoted string at header byte \(position)")
            }
            position += 1
            guard let end = bytes[position...].firstIndex(of: quote) else {
                throw .corrupt("unterminated string in header")
            }
            defer { position = end + 1 }
            return String(decoding: bytes[position ..< end], as: UTF8.self)
        }

        private mutating func tuple() throws(FormatProblem) -> [Int] {
            try expect(UInt8(ascii: "("))
            var items: [Int] = []
            while true {
                skipSpaces()
                if peek() == UInt8(ascii: ")") { break }
                items.append(try integer())
                skipSpaces()
                if peek() == UInt8(ascii: ",") { position += 1 } else { break }
            }
            try expect(UInt8(ascii: ")"))
            return items
        }

        private mutating func integer() throws(FormatProblem) -> Int {
            let start = position
            while let byte = peek(), (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) { position += 1 }
            guard position > start, let number = Int(String(decoding: bytes[start ..< position], as: UTF8.self)) else {
                throw .corrupt("expected a non-negative integer in shape at header byte \(start)")
            }
            if peek() == UInt8(ascii: "L") { position += 1 }  // Python 2 long suffix
            return number
        }

        private mutating func expect(_ byte: UInt8) throws(FormatProblem) {
            skipSpaces()
            guard peek() == byte else {
                throw .corrupt("expected '\(Character(Unicode.Scalar(byte)))' at header byte \(position)")
            }
            position += 1
        }

        private mutating func consume(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard bytes[position...].starts(with: utf8) else { return false }
            position += utf8.count
            return true
        }

        private mutating func skipSpaces() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }
    }
}
