import TensorFlowGraph
import Tensors

/// A tensor held on the host with its TensorFlow dtype: constants, variables, shapes and everything folded from them.
///
/// Elements are Doubles, which hold every float32, int32 and bool exactly; after each op the result is rounded to
/// its dtype (`rounded`), so float32 arithmetic folded here gives what TensorFlow's float32 kernels give up to one
/// rounding.
struct HostArray: Sendable {
    var dtype: TFDataType
    var shape: [Int]
    var elements: [Double]

    init(dtype: TFDataType, shape: [Int], elements: [Double]) {
        self.dtype = dtype.base
        self.shape = shape
        self.elements = elements
    }

    init(_ tensor: HostTensor, dtype: TFDataType = .float) {
        self.init(dtype: dtype, shape: tensor.shape.dims, elements: tensor.data.map(Double.init))
    }

    /// A rank-1 int32 array (shapes, axes).
    static func int32(_ values: [Int]) -> HostArray {
        HostArray(dtype: .int32, shape: [values.count], elements: values.map(Double.init))
    }

    var count: Int { elements.count }
    var rank: Int { shape.count }

    /// The elements as Ints (shapes, axes, sizes); nil if any is not an integer.
    var integers: [Int]? {
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for e in elements {
            guard e.isFinite, e.rounded() == e, abs(e) < 0x1p62 else { return nil }
            result.append(Int(e))
        }
        return result
    }

    /// The values as a float32 host tensor, for upload.
    var hostTensor: HostTensor {
        get throws { try HostTensor(shape: Shape(shape), data: elements.map { Float($0) }) }
    }

    /// The largest Double below 2⁶³, so that converting a clamped value to Int64 cannot trap.
    private static let largestInt64 = 0x1p63.nextDown

    /// `value` rounded to what `dtype` can hold: float32 rounding, integer wrap-around, bools to 0/1.
    static func round(_ value: Double, to dtype: TFDataType) -> Double {
        switch dtype.rawValue {
        case 1: return Double(Float(value))
        case 19: return Double(Float(Float16(Float(value))))
        case 3:
            guard value.isFinite else { return 0 }
            return Double(
                Int32(truncatingIfNeeded: Int64(value.rounded(.towardZero).clamped(to: -0x1p63 ... Self.largestInt64))))
        case 9:
            guard value.isFinite else { return 0 }
            return Double(Int64(value.rounded(.towardZero).clamped(to: -0x1p63 ... Self.largestInt64)))
        case 10: return value != 0 ? 1 : 0
        default: return value
        }
    }

    /// This array with every element rounded to `dtype` (which becomes its dtype).
    func rounded(to dtype: TFDataType) -> HostArray {
        HostArray(dtype: dtype, shape: shape, elements: elements.map { Self.round($0, to: dtype.base) })
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

/// A value flowing along a graph edge: on the host (exact, see `HostArray`) or a backend tensor (float storage; an
/// integer dtype there means integer values held as floats).
enum GraphValue {
    case host(HostArray)
    case device(Tensor, TFDataType)

    var shape: [Int] {
        switch self {
        case .host(let a): return a.shape
        case .device(let t, _): return t.shape.dims
        }
    }

    var dtype: TFDataType {
        switch self {
        case .host(let a): return a.dtype
        case .device(_, let d): return d
        }
    }

    var host: HostArray? {
        if case .host(let a) = self { return a }
        return nil
    }
}
