/// UTF-8 decoding that keeps what is not UTF-8, for file names, which may hold any bytes.
package enum LenientUTF8 {
    /// Walks `bytes` in order, calling `scalar` for each valid UTF-8 sequence and `invalidByte` for each byte of a
    /// sequence that is not valid.
    package static func decode(
        _ bytes: some Collection<UInt8>, scalar: (Unicode.Scalar) -> Void, invalidByte: (UInt8) -> Void
    ) {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var remaining = bytes[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                scalar(Unicode.UTF8.decode(encoded))
                remaining = remaining.dropFirst(encoded.count)
            case .error(let length):
                remaining.prefix(length).forEach(invalidByte)
                remaining = remaining.dropFirst(length)
            case .emptyInput:
                return
            }
        }
    }
}
