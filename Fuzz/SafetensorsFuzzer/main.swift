import Foundation
import FuzzerDriver
import Tensors

// libFuzzer over the .safetensors parser: header length, JSON header, dtype/shape/offset validation.
// Built and run by tools/fuzz.sh.
@testable import BigBiGANIO

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        guard let file = try? SafetensorsFile.decode(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
        // What a caller may do with the tensors without trapping: count the elements, and a sample's.
        for tensor in file.tensors.values {
            precondition(tensor.data.count == tensor.shape.count, "\(tensor.shape) with \(tensor.data.count) values")
            _ = tensor.shape.perSample
        }
        return 0
    })
