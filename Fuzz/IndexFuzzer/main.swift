import Foundation
import FuzzerDriver

// libFuzzer over the tensor-bundle index parser: table footer, blocks and their checksums, restart arrays,
// prefix-compressed keys, and the protobuf header and entries. Built and run by tools/fuzz.sh.
@testable import BigBiGANIO

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        // Random bytes mostly fail the block checksums; the same input is also parsed as the contents of one data block
        // inside a table with valid checksums, so the fuzzer reaches the entries, restart arrays and protobufs.
        _ = try? TensorBundle.decodeIndex(bytes)
        _ = try? TensorBundle.decodeIndex(IndexFuzzTable.wrap(bytes))
        return 0
    })
