import Tensors
import VulkanCompute

extension VulkanBackend {
    public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let layout = try Select.broadcast(condition.shape, a.shape, b.shape)
        for operand in [condition, a, b] { try own(operand, "select") }
        let y = try makeTensor(layout.shape)
        if layout.isElementwise {
            try elementwise(
                "select", inputs: [condition, a, b].map { try $0.reshaped(layout.shape) }, output: y)
        } else {
            try broadcastDispatch(
                "select", operands: [condition, a, b],
                strides: [layout.conditionStrides, layout.aStrides, layout.bStrides],
                dims: layout.dims, output: y, maxAxes: Select.maxMergedAxes)
        }
        return y
    }
}
