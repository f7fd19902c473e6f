/// How a backend stores tensor elements on the device. Every shader computes in fp32 either way; fp16 halves
/// the memory and bandwidth of tensors and weights at the cost of rounding each stored value to half.
public enum Precision: String, Sendable, CaseIterable {
    /// IEEE single precision, 4 bytes per element: the reference precision.
    case fp32
    /// IEEE half precision storage, 2 bytes per element, fp32 arithmetic. Uploads round to nearest even
    /// (relative error ≤ 2⁻¹¹); magnitudes of 65520 and more become ±inf, as IEEE conversion prescribes, and
    /// NaN stays NaN. Needs the Vulkan feature `storageBuffer16BitAccess`.
    case fp16

    /// Bytes of one stored element.
    public var bytesPerElement: Int {
        switch self {
        case .fp32: 4
        case .fp16: 2
        }
    }
}
