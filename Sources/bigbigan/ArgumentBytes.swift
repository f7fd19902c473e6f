import FileAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Command-line arguments with their exact bytes. ArgumentParser takes `String`s, which would replace the bytes of a
/// file name that are not UTF-8 (Linux allows any) and so lose the file. Instead each such byte travels as the
/// private-use character U+10FF00 + byte (as do the bytes of a real U+10FF00...U+10FFFF, so every argument survives),
/// and `SystemPath(argument:)` turns them back into bytes.
enum ArgumentBytes {
    private static let escapeBase: UInt32 = 0x10FF00

    /// The process's arguments after the program name, escaped.
    static func processArguments() -> [String] {
        (1 ..< Int(CommandLine.argc)).map { index in
            let argument = CommandLine.unsafeArgv[index]!
            return escaped(UnsafeRawBufferPointer(start: argument, count: strlen(argument)))
        }
    }

    /// `bytes` as a string: valid UTF-8 as itself, every other byte escaped.
    static func escaped(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        func escape(_ byte: UInt8) { text.unicodeScalars.append(Unicode.Scalar(escapeBase + UInt32(byte))!) }
        LenientUTF8.decode(
            bytes,
            scalar: { scalar in
                if scalar.value < escapeBase {
                    text.unicodeScalars.append(scalar)
                } else {
                    String(scalar).utf8.forEach(escape)
                }
            },
            invalidByte: escape)
        return text
    }

    /// The bytes an escaped argument stands for.
    static func bytes(of argument: String) -> [UInt8] {
        argument.unicodeScalars.flatMap { scalar in
            scalar.value >= escapeBase ? [UInt8(scalar.value - escapeBase)] : Array(String(scalar).utf8)
        }
    }
}

extension SystemPath {
    /// The path a command-line argument names, with its exact bytes.
    init(argument: String) { self.init(bytes: ArgumentBytes.bytes(of: argument)) }
}
