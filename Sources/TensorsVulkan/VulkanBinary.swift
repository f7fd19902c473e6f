import Tensors
import VulkanCompute

extension VulkanBackend {
    public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor {
        let layout = try Binary.broadcast(a.shape, b.shape)
        try own(a, "binary")
        try own(b, "binary")
        let y = try makeTensor(layout.shape)
        // binary.comp's OP and SCALE; subtraction is a + (−1)·b, the same single rounding as a − b.
        let specialization: [SpecializationConstant] =
            switch op {
            case .add(let scale): [.int(0), .float(scale)]
            case .subtract: [.int(0), .float(-1)]
            case .multiply: [.int(1), .float(1)]
            case .divide: [.int(2), .float(1)]
            case .maximum: [.int(3), .float(1)]
            case .minimum: [.int(4), .float(1)]
            case .greater: [.int(5), .float(1)]
            case .greaterEqual: [.int(6), .float(1)]
            case .less: [.int(7), .float(1)]
            case .lessEqual: [.int(8), .float(1)]
            case .equal: [.int(9), .float(1)]
            case .notEqual: [.int(10), .float(1)]
            }
        if layout.isElementwise {
            try elementwise(
                "binary", inputs: [a.reshaped(layout.shape), b.reshaped(layout.shape)], output: y,
                specialization: specialization)
        } else {
            try broadcastDispatch(
                "binary", operands: [a, b], strides: [layout.aStrides, layout.bStrides], dims: layout.dims, output: y,
                maxAxes: Binary.maxMergedAxes, specialization: specialization)
        }
        return y
    }
}
