import Foundation
import FuzzerDriver

// libFuzzer over the .safetensors parser: header length, JSON header, dtype/shape/offset validation.
// Built and run by tools/fuzz.sh.
@testable import BigBiGANIO

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        _ = try? SafetensorsFile.decode(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    })
