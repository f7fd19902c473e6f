import Foundation

extension CPUBackend {
    public func softmax(_ x: Tensor) throws -> Tensor {
        try Softmax.validate(x.shape)
        let input = try data(x, "softmax")
        let c = x.shape.channels
        return make(x.shape) { y in
            let out = UncheckedSendable(y)
            CPUBackend.parallelFor(input.count / c) { row in
                let base = row * c
                var m = -Float.greatestFiniteMagnitude
                for j in 0 ..< c { m = max(m, input[base + j]) }
                var sum = 0.0
                for j in 0 ..< c {
                    let e = exp(input[base + j] - m)
                    out.value[base + j] = e
                    sum += Double(e)
                }
                let inverse = Float(1 / sum)
                for j in 0 ..< c { out.value[base + j] *= inverse }
            }
        }
    }
}
