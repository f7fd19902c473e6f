import BigBiGANIO
import Foundation
import Tensors
import TestSupport

/// The TensorFlow-written modules under `Tests/Fixtures` and the backends the graph tests run on.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func module(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// `golden/<name>.npy` of fixture module `module`.
    static func golden(_ module: String, _ name: String) throws -> HostTensor {
        try NPYFile.read(folder.appendingPathComponent("\(module)/golden/\(name).npy"))
    }

    static func backend(_ device: String) throws -> any Backend {
        device == "cpu" ? CPUBackend() : try TestDevice.vulkan()
    }
}
