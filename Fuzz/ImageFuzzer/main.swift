import Foundation
import FuzzerDriver

// libFuzzer over PNG and JPEG decoding: the format sniffing of ImageFile, the C shim's setjmp error handling around
// libpng and libjpeg-turbo, the colour conversions (palette, grey, 16-bit, alpha, CMYK/YCCK) and the hand-over of the
// pixels to Swift. Headers claiming more than ImageDimensions.maxPixels are skipped. Built and run by tools/fuzz.sh.
@testable import BigBiGANIO

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    fuzzer_run(&argc, &argv) { data, size in
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        guard let format = ImageCodecs.Format(signature: bytes), ImageDimensions.allowed(bytes) else { return 0 }
        if let image = try? ImageCodecs.decode(bytes, as: format) {
            precondition(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height * 3)
            precondition(image.width * image.height <= ImageDimensions.maxPixels)
        }
        return 0
    })
