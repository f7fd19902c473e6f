import Tensors
import VulkanCompute

extension VulkanBackend {
    public func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) throws -> Tensor {
        try Binary.validate(a.shape, b.shape)
        try own(a, "binary")
        try own(b, "binary")
        let y = try makeTensor(a.shape)
        let specialization: [SpecializationConstant] =
            switch op {
            case .add(let scale): [.int(0), .float(scale)]
            case .multiply: [.int(1), .float(1)]
            }
        try elementwise("binary", inputs: [a, b], output: y, specialization: specialization)
        return y
    }
}
