import Foundation
import FuzzerDriver
import Tensors

// libFuzzer over the .npy and .npz readers: the .npy preamble, version and header length, the Python-literal header
// dictionary, dtype and shape checks; the zip end record, central directory, local headers, stored and deflated
// members and their CRC-32s. Built and run by tools/fuzz.sh.
@testable import BigBiGANIO

/// Checks what a caller may do with a tensor the readers returned without trapping: count its elements and a sample's.
func check(_ tensor: HostTensor) {
    precondition(tensor.data.count == tensor.shape.count, "\(tensor.shape) with \(tensor.data.count) values")
    _ = tensor.shape.perSample
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        // Each parser rejects the other's files at once (the .npy magic; the zip end record), so both see every input.
        if let tensor = try? NPYFile.decode(bytes) { check(tensor) }
        if let arrays = try? NPZFile.decode(bytes) { arrays.values.forEach(check) }
        return 0
    })
