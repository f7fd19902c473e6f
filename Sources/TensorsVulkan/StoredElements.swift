import Tensors
import VulkanCompute

/// Host-side conversion between fp32 values and a backend's stored elements (raw device or staging memory).
extension Precision {
    /// Writes `values` to `destination` as stored elements (`values.count · bytesPerElement` bytes); fp16
    /// rounds to nearest even (see `Precision.fp16` for overflow and NaN).
    func store(_ values: [Float], to destination: UnsafeMutableRawPointer) {
        values.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            switch self {
            case .fp32:
                destination.copyMemory(from: base, byteCount: source.count * 4)
            case .fp16:
                for i in source.indices {
                    destination.storeBytes(of: Float16(base[i]), toByteOffset: 2 * i, as: Float16.self)
                }
            }
        }
    }

    /// Reads `count` stored elements from `source` as fp32 (exact: every half is a float).
    func load(count: Int, from source: UnsafeRawPointer) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { values, initialized in
            switch self {
            case .fp32:
                if let base = values.baseAddress {
                    UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: count * 4)
                }
            case .fp16:
                for i in 0 ..< count { values[i] = Float(source.load(fromByteOffset: 2 * i, as: Float16.self)) }
            }
            initialized = count
        }
    }

    /// Throws `VulkanError.missingFeature` unless a device with `features` can store tensors at this precision.
    func requireSupport(by features: ComputeFeatures, device: String) throws {
        guard self == .fp16, !features.storageBuffer16BitAccess else { return }
        throw VulkanError.missingFeature(
            "fp16 storage needs storageBuffer16BitAccess (VK_KHR_16bit_storage), which \(device) does not support; use fp32"
        )
    }
}
