import TensorFlowGraph
import Tensors

extension GraphProgram {
    /// Finds the program's `FusedGroup`s once its constants are computed on `cpu`, folding batch-norm statistics into
    /// the weights before them (w·s and β − μ·s with s = γ / √(σ² + ε), per output channel, computed in Double).
    func findGroups(cpu: CPUBackend) throws {
        let finder = FusionFinder(nodes: runtimeNodes, readers: readers, outputs: outputNodes) { [constants] name in
            let reference = GraphPlan.TensorReference(name)
            return constants[reference.node]?[safe: reference.index]?.shape
        }
        let found = try finder.groups { anchor, batchNorm in
            let inputs = batchNorm.inputs.filter { !$0.hasPrefix("^") }
            let weightName = anchor.inputs.filter { !$0.hasPrefix("^") }[1]
            guard inputs.count == 5, let weight = try constantFloats(weightName, cpu: cpu),
                let scale = try constantFloats(inputs[1], cpu: cpu),
                let offset = try constantFloats(inputs[2], cpu: cpu),
                let mean = try constantFloats(inputs[3], cpu: cpu),
                let variance = try constantFloats(inputs[4], cpu: cpu)
            else { return nil }
            let epsilon: Double
            if case .float(let e) = batchNorm.attrs["epsilon"] { epsilon = Double(e) } else { epsilon = 1e-4 }
            let factor = zip(scale.data, variance.data).map { Double($0) / (Double($1) + epsilon).squareRoot() }
            let channels = factor.count
            var folded = weight.data
            for i in folded.indices { folded[i] = Float(Double(folded[i]) * factor[i % channels]) }
            let bias = (0 ..< channels).map { Float(Double(offset.data[$0]) - Double(mean.data[$0]) * factor[$0]) }
            let names = (weight: anchor.name + "/folded_batch_norm_weight", bias: batchNorm.name + "/folded_bias")
            constants[names.weight] = [.device(try cpu.upload(HostTensor(shape: weight.shape, data: folded)), .float)]
            constants[names.bias] = [.device(try cpu.upload(HostTensor(shape: [channels], data: bias)), .float)]
            return names
        }
        for group in found { groups[group.result.name] = group }
        absorbed = Set(found.flatMap { group in group.members.dropLast().map { $0.name } })
    }

    /// A constant's values as floats (nil if it is not a constant).
    private func constantFloats(_ name: String, cpu: CPUBackend) throws -> HostTensor? {
        let reference = GraphPlan.TensorReference(name)
        switch constants[reference.node]?[safe: reference.index] {
        case .host(let a): return try a.hostTensor
        case .device(let t, _): return try cpu.download(t)
        case nil: return nil
        }
    }

    /// Runs `group` on the program's backend, or its members one by one where run-time shapes rule the fusion out.
    func run(_ group: FusedGroup, values: [String: [GraphValue]]) throws -> [GraphValue] {
        // A resize member has no value: the anchor reads what it resizes.
        var upsampledSource: String?
        if case .linear(_, _, _, _, let upsampled) = group.kind { upsampledSource = upsampled }
        var inputs = try group.anchor.inputs.filter { !$0.hasPrefix("^") }.enumerated().map { i, name in
            try value(i == 0 ? upsampledSource ?? name : name, in: values, reader: group.anchor.name)
        }
        let constantTensor = { (name: String) throws -> Tensor in
            try self.upload(
                self.value(name, in: self.constants, reader: group.anchor.name), name: name, backend: self.backend,
                constant: false)
        }
        switch group.kind {
        case .linear(let weight, let bias, let residual, let activation, let upsampled):
            var upsampling = 1
            if let upsampled {
                // The resize member must be an exact nearest 2× of the tensor it reads; otherwise run the members.
                let source = inputs[0]
                let resize = group.members[0]
                let size = try value(resize.inputs.filter { !$0.hasPrefix("^") }[1], in: constants, reader: resize.name)
                let shape = source.shape
                guard shape.count == 4, size.host?.integers == [2 * shape[1], 2 * shape[2]],
                    group.anchor.attrs["dilations"].map({ $0 == .list([.int(1), .int(1), .int(1), .int(1)]) }) ?? true
                else { return try runMembers(group, values: values) }
                upsampling = 2
            }
            if let weight { inputs[1] = .device(try constantTensor(weight), .float) }
            let biasTensor = try bias.map(constantTensor)
            var residualTensor: Tensor?
            if let residual {
                let value = try value(residual, in: values, reader: group.result.name)
                residualTensor = try upload(value, name: residual, backend: backend, constant: false)
            }
            let op = GraphOps.all[group.anchor.op]!
            func context(_ epilogue: OpContext.Epilogue?) -> OpContext {
                OpContext(
                    node: group.anchor, inputs: inputs, backend: backend,
                    upload: { [unowned self] i in
                        try self.upload(
                            inputs[i], name: group.anchor.inputs.filter { !$0.hasPrefix("^") }[i],
                            backend: self.backend, constant: false)
                    }, random: random, epilogue: epilogue)
            }
            let fits = try residualTensor.map { try NeuralOps.outputShape(context(nil)) == $0.shape } ?? true
            if fits {
                return try wrap(group.anchor) {
                    try op.device!(
                        context(
                            OpContext.Epilogue(
                                bias: biasTensor, residual: residualTensor, activation: activation,
                                inputUpsampling: upsampling)))
                }
            }
            // A broadcasting residual: bias in the kernel, the add and the ReLU as their own ops.
            var y = try wrap(group.anchor) {
                try op.device!(
                    context(
                        OpContext.Epilogue(
                            bias: biasTensor, residual: nil, activation: .none, inputUpsampling: upsampling)))
            }
            guard case .device(var t, let dtype) = y[0], let residualTensor else { return y }
            t = try backend.binary(t, residualTensor, .add(scale: 1))
            if activation == .relu { t = try backend.unary(t, .relu) }
            y[0] = .device(t, dtype)
            return y
        case .attention(let key, let value, let keyIsTransposed):
            let query = group.anchor.inputs.filter { !$0.hasPrefix("^") }[0]
            let (q, k, v) = (
                try upload(inputs[0], name: query, backend: backend, constant: false),
                try upload(
                    self.value(key, in: values, reader: group.anchor.name), name: key, backend: backend, constant: false
                ),
                try upload(
                    self.value(value, in: values, reader: group.result.name), name: value, backend: backend,
                    constant: false)
            )
            guard q.shape.rank == 3, k.shape.rank == 3, v.shape.rank == 3 else {
                return try runMembers(group, values: values)
            }
            return [
                .device(
                    try wrap(group.result) {
                        let stored = keyIsTransposed ? try backend.transpose(k, permutation: [0, 2, 1]) : k
                        return try backend.attention(query: q, key: stored, value: v)
                    }, inputs[0].dtype)
            ]
        }
    }

    /// The group's nodes evaluated one after another.
    private func runMembers(_ group: FusedGroup, values: [String: [GraphValue]]) throws -> [GraphValue] {
        var local = values
        for member in group.members {
            local[member.name] = try evaluate(
                member, inputs: inputs(of: member, in: local), backend: backend, constant: false)
        }
        return local[group.result.name]!
    }

    /// Backend errors named after `node`.
    private func wrap<T>(_ node: TFNode, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GraphError {
            throw error
        } catch {
            throw GraphError.execution(op: node.op, node: node.name, detail: "\(error)")
        }
    }
}
