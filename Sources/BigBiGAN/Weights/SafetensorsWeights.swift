import BigBiGANIO
import Foundation
import Tensors

/// Effective weights from a `.safetensors` file written by `bigbigan convert`: canonical names, EMA copies already
/// chosen and spectral normalisation already applied, so tensors are returned as stored (shapes strict; a scalar may
/// be stored as [] or [1]).
public struct SafetensorsWeights: WeightSource {
    public let url: URL
    /// The whole file, read and validated once.
    public let file: SafetensorsFile

    /// Reads `url` (`SafetensorsFile.read`: every tensor, checked against the header).
    public init(url: URL) throws {
        self.url = url
        file = try SafetensorsFile.read(url)
    }

    public var description: String { "weights \(url.path)" }

    public func storedShape(_ name: String) -> Shape? { file.tensors[name]?.shape }

    public var metadata: [String: String] { file.metadata }

    public func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        guard var tensor = file.tensors[name] else { throw WeightLookupError(detail: "not in the file") }
        if shape.rank == 0, tensor.shape.rank <= 1, tensor.shape.count == 1 { tensor.shape = [] }
        guard tensor.shape == shape else {
            throw WeightLookupError(detail: "stored with shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }

    public func unusedVariables(scope: String, requested: Set<String>) -> [String] {
        file.tensors.keys.filter { $0.hasPrefix(scope + "/") && !requested.contains($0) }.sorted()
    }
}
