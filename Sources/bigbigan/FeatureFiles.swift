import BigBiGANIO
import Foundation
import Tensors

/// Writes `encode`'s and `merge`'s outputs: float32 tensors whose rows come a batch at a time, so that the outputs
/// never have to be in memory.
enum FeatureFiles {
    /// Writes the tensors of `layout` to `path`, a `.safetensors` (with `metadata`) or an `.npz` (which has no place
    /// for metadata), calling `rows(name, append)` to hand over each tensor's rows in order; for an `.npz` it is
    /// called twice per tensor (`NPZFile.write(layout:to:rows:)`). The file appears complete or not at all.
    static func write(
        to path: String, layout: [(name: String, shape: Shape)], metadata: [String: String],
        rows: (_ name: String, _ append: (HostTensor) throws -> Void) throws -> Void
    ) throws {
        let url = URL(fileURLWithPath: path)
        if path.hasSuffix(".npz") {
            try NPZFile.write(layout: layout, to: url, rows: rows)
        } else {
            try SafetensorsFile.write(layout: layout, metadata: metadata, to: url) { writer in
                for (name, _) in layout { try rows(name) { try writer.append($0, to: name) } }
            }
        }
    }

    /// Hands `append` the rows of `array` (float32, [N, D]) in chunks of about 16 MiB.
    static func copy(_ array: MappedArray, to append: (HostTensor) throws -> Void) throws {
        let chunk = max(1, (16 << 20) / max(1, array.rowLength * 4))
        var start = 0
        while start < array.rowCount {
            let end = min(array.rowCount, start + chunk)
            var values = [Float](repeating: 0, count: (end - start) * array.rowLength)
            try values.withUnsafeMutableBufferPointer { try array.copyRows(start ..< end, into: $0) }
            try append(HostTensor(shape: Shape([end - start] + array.shape.dropFirst()), data: values))
            start = end
        }
    }
}
