import BigBiGAN
import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

// MARK: - Support

/// Tensors by full name: what a safetensors file holds, with its shapes known without loading.
private struct TableWeights: WeightSource {
    var tensors: [String: HostTensor]

    var description: String { "weight table" }

    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor {
        guard let tensor = tensors[name] else { throw TensorError.invalidData("no tensor named \(name)") }
        return tensor
    }

    func storedShape(_ name: String) -> Shape? { tensors[name]?.shape }

    /// Every weight `config` asks for: kernels as `SyntheticWeights(seed:)` draws them, but biases uniform in
    /// ±0.3 and γ = 0.7 rather than the synthetic zeros and 0.2, so that every bias and the attention branch count.
    static func random(_ config: DiscriminatorConfig, seed: UInt64) throws -> TableWeights {
        let recording = RecordingWeights()
        _ = try Discriminator(config: config, weights: recording, backend: CPUBackend())
        var random = SeededRandom(seed: seed)
        var tensors: [String: HostTensor] = [:]
        for request in recording.requests {
            switch request.role {
            case .bias: tensors[request.name] = random.uniformTensor(request.shape, in: -0.3 ..< 0.3)
            case .scalar: tensors[request.name] = try HostTensor(shape: request.shape, data: [0.7])
            default:
                tensors[request.name] = try SyntheticWeights(seed: seed).load(
                    request.name, shape: request.shape, role: request.role)
            }
        }
        return TableWeights(tensors: tensors)
    }
}

/// An NHWC feature map of one sample in Double.
private struct Map {
    let h, w, c: Int
    var v: [Double]

    init(h: Int, w: Int, c: Int) {
        (self.h, self.w, self.c) = (h, w, c)
        v = [Double](repeating: 0, count: h * w * c)
    }

    subscript(i: Int, j: Int, k: Int) -> Double {
        get { v[(i * w + j) * c + k] }
        set { v[(i * w + j) * c + k] = newValue }
    }

    func relu() -> Map {
        var out = self
        out.v = v.map { max($0, 0) }
        return out
    }

    /// 2×2 windows, stride 2.
    func pooled(_ combine: ([Double]) -> Double) -> Map {
        var out = Map(h: h / 2, w: w / 2, c: c)
        for i in 0 ..< h / 2 {
            for j in 0 ..< w / 2 {
                for k in 0 ..< c {
                    out[i, j, k] = combine([
                        self[2 * i, 2 * j, k], self[2 * i, 2 * j + 1, k], self[2 * i + 1, 2 * j, k],
                        self[2 * i + 1, 2 * j + 1, k],
                    ])
                }
            }
        }
        return out
    }

    static func + (a: Map, b: Map) -> Map {
        var out = a
        out.v = zip(a.v, b.v).map { $0 + $1 }
        return out
    }
}

/// `tools/train/model.py`'s `Discriminator` as plain loops in Double over host weights, read by their canonical names
/// for the structure of `config`: independent of the backends' ops and of `Discriminator`'s code.
private struct ReferenceDiscriminator {
    let config: DiscriminatorConfig
    let weights: TableWeights

    func values(_ name: String) throws -> [Double] {
        guard let t = weights.tensors["Discriminator/" + name] else {
            throw TensorError.invalidData("the reference needs \(name)")
        }
        return t.data.map(Double.init)
    }

    /// A k×k stride-1 SAME convolution (k odd: (k−1)/2 zeros on each side), weights [k,k,in,out], optional bias.
    func conv(_ x: Map, _ name: String, k: Int, outputs: Int, bias: Bool = true) throws -> Map {
        let w = try values(name + "/w")
        let b = bias ? try values(name + "/b") : [Double](repeating: 0, count: outputs)
        var out = Map(h: x.h, w: x.w, c: outputs)
        let pad = (k - 1) / 2
        for i in 0 ..< x.h {
            for j in 0 ..< x.w {
                for o in 0 ..< outputs {
                    var sum = b[o]
                    for di in 0 ..< k {
                        for dj in 0 ..< k {
                            let (si, sj) = (i + di - pad, j + dj - pad)
                            guard si >= 0, si < x.h, sj >= 0, sj < x.w else { continue }
                            for ci in 0 ..< x.c { sum += x[si, sj, ci] * w[((di * k + dj) * x.c + ci) * outputs + o] }
                        }
                    }
                    out[i, j, o] = sum
                }
            }
        }
        return out
    }

    func block(_ x: Map, _ k: Int) throws -> Map {
        let name = k == 0 ? "F/DBlock" : "F/DBlock_\(k)"
        let cout = config.outputChannels(k)
        var h = try conv(k > 0 ? x.relu() : x, name + "/conv0", k: 3, outputs: cout).relu()
        h = try conv(h, name + "/conv1", k: 3, outputs: cout)
        var skip = x
        if config.blocks[k].downsample {
            let average = { (window: [Double]) in window.reduce(0, +) / 4 }
            h = h.pooled(average)
            skip = skip.pooled(average)
        }
        if x.c != cout || config.blocks[k].downsample { skip = try conv(skip, name + "/conv_sc", k: 1, outputs: cout) }
        return h + skip
    }

    /// y = x + γ·o(softmax(θ φᵀ) g), keys and values max-pooled 2×2.
    func attention(_ x: Map) throws -> Map {
        let (keys, vals) = (x.c / 8, x.c / 2)
        let theta = try conv(x, "F/attention/theta", k: 1, outputs: keys, bias: false)
        let phi = try conv(x, "F/attention/phi", k: 1, outputs: keys, bias: false).pooled { $0.max()! }
        let g = try conv(x, "F/attention/g", k: 1, outputs: vals, bias: false).pooled { $0.max()! }
        var attended = Map(h: x.h, w: x.w, c: vals)
        let positions = phi.h * phi.w
        for p in 0 ..< x.h * x.w {
            let logits = (0 ..< positions).map { q in
                (0 ..< keys).reduce(0.0) { $0 + theta.v[p * keys + $1] * phi.v[q * keys + $1] }
            }
            let top = logits.max()!
            let e = logits.map { Foundation.exp($0 - top) }
            let total = e.reduce(0, +)
            for v in 0 ..< vals {
                attended.v[p * vals + v] = (0 ..< positions).reduce(0.0) { $0 + e[$1] / total * g.v[$1 * vals + v] }
            }
        }
        let o = try conv(attended, "F/attention/o_conv", k: 1, outputs: x.c, bias: false)
        let gamma = try values("F/attention/gamma")[0]
        var out = x
        out.v = zip(x.v, o.v).map { $0 + gamma * $1 }
        return out
    }

    func linear(_ x: [Double], _ name: String) throws -> [Double] {
        let w = try values(name + "/w")
        let b = try values(name + "/b")
        return b.indices.map { o in x.indices.reduce(b[o]) { $0 + x[$1] * w[$1 * b.count + o] } }
    }

    /// Hidden layers, each relu(W·h + b), plus h where the widths match.
    func mlp(_ x: [Double], _ part: String, _ widths: [Int]) throws -> [Double] {
        var h = x
        for (i, width) in widths.enumerated() {
            let y = try linear(h, "\(part)/linear_\(i + 1)").map { max($0, 0) }
            h = width == h.count ? zip(h, y).map { $0 + $1 } : y
        }
        return h
    }

    /// (s_x, s_z, s_xz) of one image [R·R·3] and latent [zDim].
    func scores(image: [Float], z: [Float]) throws -> (Double, Double, Double) {
        var h = Map(h: config.resolution, w: config.resolution, c: 3)
        h.v = image.map(Double.init)
        var attended = false
        for k in config.blocks.indices {
            h = try block(h, k)
            if !attended, h.h == config.attentionResolution {
                h = try attention(h)
                attended = true
            }
        }
        let relu = h.relu()
        let f = (0 ..< h.c).map { k in (0 ..< h.h * h.w).reduce(0.0) { $0 + relu.v[$1 * h.c + k] } }
        let hz = try mlp(z.map(Double.init), "H", config.hWidths)
        let j = try mlp(f + hz, "J", config.jWidths)
        return (try linear(f, "F/score")[0], try linear(hz, "H/score")[0], try linear(j, "J/score")[0])
    }
}

private func latents(count: Int, zDim: Int, seed: UInt64) -> HostTensor {
    var random = SeededRandom(seed: seed)
    return random.normalTensor([count, zDim])
}

/// A small config that takes every path: a projected downsampling block reading the image, attention after it, an
/// identity block, a projected block without downsampling; plain and residual MLP layers in H and J.
private let tiny = DiscriminatorConfig(
    ch: 8,
    blocks: [
        DiscriminatorBlock(input: .image, output: 1, downsample: true),
        DiscriminatorBlock(input: .multiplier(1), output: 2, downsample: true),
        DiscriminatorBlock(input: .multiplier(2), output: 2, downsample: false),
        DiscriminatorBlock(input: .multiplier(2), output: 3, downsample: false),
    ],
    resolution: 16, zDim: 6, attentionResolution: 8, hWidths: [5, 5], jWidths: [7, 7, 4])

// MARK: - Config

@Suite("Discriminator config")
struct DiscriminatorConfigTests {
    @Test func defaultAndReleasedSizes() throws {
        let small = DiscriminatorConfig.fashionMNIST
        try small.validate()
        #expect(small.featureChannels == 128)
        #expect((0 ..< 4).map { small.outputResolution($0) } == [16, 8, 4, 4])
        // The largest tensor: the first block's convolutions at 32×32 with 32 channels, before pooling.
        #expect(small.largestActivation == 32 * 32 * 32)
        let released = DiscriminatorConfig.released
        try released.validate()
        #expect(released.featureChannels == 16 * 96)
        #expect((0 ..< 6).map { released.outputResolution($0) } == [64, 32, 16, 8, 4, 4])
        #expect(released.largestActivation == 128 * 128 * 96)
        try tiny.validate()
    }

    /// `weightElements` counts exactly what the discriminator loads.
    @Test(arguments: [DiscriminatorConfig.fashionMNIST, tiny, .released])
    func weightElementsCountTheLoadedWeights(config: DiscriminatorConfig) throws {
        let recording = RecordingWeights()
        _ = try Discriminator(config: config, weights: recording, backend: CPUBackend())
        #expect(config.weightElements == recording.requests.reduce(0) { $0 + $1.shape.count })
    }

    @Test func rejectsInconsistentConfigs() throws {
        let base = DiscriminatorConfig.fashionMNIST
        var bad: [(DiscriminatorConfig, String)] = []
        var c = base
        c.ch = 0
        bad.append((c, "ch 0 is outside"))
        c = base
        c.ch = 4  // 4 channels at the attention block
        bad.append((c, "divisible by 8"))
        c = base
        c.blocks = []
        bad.append((c, "0 blocks"))
        c = base
        c.blocks[0].input = .multiplier(1)
        bad.append((c, "the first block reads the image"))
        c = base
        c.blocks[2].input = .multiplier(4)
        bad.append((c, "block 1 outputs 2·ch"))
        c = base
        c.blocks[3].output = 0
        bad.append((c, "multiplier must be in"))
        c = base
        c.resolution = 36
        bad.append((c, "multiple of 8"))
        c = base
        c.resolution = 0
        bad.append((c, "resolution 0"))
        c = base
        c.attentionResolution = 32
        bad.append((c, "no block's output size"))
        c = base
        c.resolution = 24
        c.attentionResolution = 3
        bad.append((c, "must be even"))
        c = base
        c.zDim = 0
        bad.append((c, "must be ≥ 1"))
        c = base
        c.hWidths = [256, 0]
        bad.append((c, "must be ≥ 1"))
        c = base
        c.jWidths = [0]
        bad.append((c, "must be ≥ 1"))
        for (config, message) in bad {
            #expect("\(config)" != "\(base)")
            #expect {
                try config.validate()
            } throws: { error in
                guard case TensorError.unsupported = error else { return false }
                return "\(error)".contains(message)
            }
            #expect(throws: TensorError.self) {
                _ = try Discriminator(config: config, weights: SyntheticWeights(), backend: CPUBackend())
            }
        }
        var noAttention = base
        noAttention.attentionResolution = nil
        noAttention.ch = 4
        try noAttention.validate()
    }

    @Test func matchingReadsWidthsFromStoredShapes() throws {
        let base = DiscriminatorConfig.fashionMNIST
        #expect(DiscriminatorConfig.matching(SyntheticWeights(), base: base) == base, "synthetic weights cannot tell")
        var narrow = base
        narrow.ch = 16
        narrow.hWidths = [64]
        narrow.jWidths = [96, 96, 32]
        let stored = try TableWeights.random(narrow, seed: 1)
        #expect(DiscriminatorConfig.matching(stored, base: base) == narrow)
        // Without attention weights the matched config has none; without H's score its widths stay as given.
        var partial = stored
        partial.tensors = partial.tensors.filter {
            !$0.key.contains("/attention/") && $0.key != "Discriminator/H/score/w"
        }
        var expected = narrow
        expected.attentionResolution = nil
        expected.hWidths = base.hWidths
        #expect(DiscriminatorConfig.matching(partial, base: base) == expected)
    }
}

// MARK: - Weights and forward passes

@Suite("Discriminator")
struct DiscriminatorTests {
    /// The names and TensorFlow-layout shapes that `tools/train/model.py`'s `named_tensors` gives its default
    /// `Discriminator(32, [256, 256], [256, 256])` (listed from it): 41 tensors, 855 780 elements.
    @Test func fashionMNISTWeightsMatchTheTrainer() throws {
        let recording = RecordingWeights()
        _ = try Discriminator(config: .fashionMNIST, weights: recording, backend: CPUBackend())
        var expected: [String: Shape] = [
            "F/attention/gamma": [], "F/attention/theta/w": [1, 1, 32, 4], "F/attention/phi/w": [1, 1, 32, 4],
            "F/attention/g/w": [1, 1, 32, 16], "F/attention/o_conv/w": [1, 1, 16, 32],
            "F/score/w": [128, 1], "F/score/b": [1],
            "H/linear_1/w": [120, 256], "H/linear_1/b": [256], "H/linear_2/w": [256, 256], "H/linear_2/b": [256],
            "H/score/w": [256, 1], "H/score/b": [1],
            "J/linear_1/w": [384, 256], "J/linear_1/b": [256], "J/linear_2/w": [256, 256], "J/linear_2/b": [256],
            "J/score/w": [256, 1], "J/score/b": [1],
        ]
        for (k, (cin, cout, shortcut)) in [(3, 32, true), (32, 64, true), (64, 128, true), (128, 128, false)]
            .enumerated()
        {
            let block = k == 0 ? "F/DBlock" : "F/DBlock_\(k)"
            expected[block + "/conv0/w"] = [3, 3, cin, cout]
            expected[block + "/conv0/b"] = [cout]
            expected[block + "/conv1/w"] = [3, 3, cout, cout]
            expected[block + "/conv1/b"] = [cout]
            if shortcut {
                expected[block + "/conv_sc/w"] = [1, 1, cin, cout]
                expected[block + "/conv_sc/b"] = [cout]
            }
        }
        let requested = Dictionary(
            recording.requests.map { (String($0.name.dropFirst(Discriminator.scope.count + 1)), $0.shape) },
            uniquingKeysWith: { a, _ in a })
        #expect(requested.count == recording.requests.count, "every weight is requested once")
        #expect(requested == expected)
        #expect(expected.count == 41 && DiscriminatorConfig.fashionMNIST.weightElements == 855_780)
    }

    @Test func reportsEveryWeightProblemAtOnce() throws {
        let missing = "Discriminator/F/DBlock_2/conv_sc/b"
        let misshapen = "Discriminator/J/linear_1/w"
        let source = DamagedWeights(base: SyntheticWeights(), missing: [missing], reshaped: [misshapen])
        do {
            _ = try Discriminator(config: .fashionMNIST, weights: source, backend: CPUBackend())
            Issue.record("init should have thrown")
        } catch let error as WeightLoadError {
            #expect(error.problems.map(\.name).sorted() == [misshapen, missing].sorted())
            #expect(error.description.contains("expected [384,256]"))
        }
    }

    @Test func rejectsWrongInputShapes() throws {
        let backend = CPUBackend()
        let d = try Discriminator(config: tiny, weights: SyntheticWeights(), backend: backend)
        let r = tiny.resolution
        let z = try backend.upload(HostTensor(zeros: [2, tiny.zDim]))
        for shape: Shape in [[2, r / 2, r / 2, 3], [2, r, r, 1], [2, r, r / 2, 3], [r, r, 3], [0, r, r, 3]] {
            let x = try backend.upload(HostTensor(zeros: shape))
            #expect(throws: TensorError.self, "\(shape)") { _ = try d(x: x, z: z) }
        }
        let x = try backend.upload(HostTensor(zeros: [2, r, r, 3]))
        for shape: Shape in [[3, tiny.zDim], [2, tiny.zDim + 1], [2 * tiny.zDim], [2, tiny.zDim, 1]] {
            let badZ = try backend.upload(HostTensor(zeros: shape))
            #expect(throws: TensorError.self, "\(shape)") { _ = try d(x: x, z: badZ) }
        }
        _ = try d(x: x, z: z)
    }

    /// The scores against `ReferenceDiscriminator`, a Double-precision loop implementation of the trainer's model over
    /// the same weights, with nonzero biases and γ so every term counts. The CPU backend computes in float32 with
    /// float32 sums over fan-ins of ≤ 9·24 terms through 4 blocks, attention and 6 linear layers: relative rounding
    /// ~1e-6 per op, so 1e-4 of the scores' scale is far above rounding and far below any structural mistake.
    @Test func matchesAPlainLoopReference() throws {
        let weights = try TableWeights.random(tiny, seed: 3)
        let backend = CPUBackend()
        let n = 2
        let x = try RandomImages.uniform(count: n, resolution: tiny.resolution, seed: 4)
        let z = latents(count: n, zDim: tiny.zDim, seed: 5)
        let out = try Discriminator(config: tiny, weights: weights, backend: backend)(
            x: backend.upload(x), z: backend.upload(z))
        let actual = try [out.scoreX, out.scoreZ, out.scoreXZ].map { try backend.download($0) }
        for t in actual { #expect(t.shape == [n]) }
        let reference = ReferenceDiscriminator(config: tiny, weights: weights)
        let perImage = x.shape.perSample
        for i in 0 ..< n {
            let (sx, sz, sxz) = try reference.scores(
                image: Array(x.data[(i * perImage) ..< ((i + 1) * perImage)]),
                z: Array(z.data[(i * tiny.zDim) ..< ((i + 1) * tiny.zDim)]))
            for (name, a, e) in [
                ("s_x", actual[0].data[i], sx), ("s_z", actual[1].data[i], sz),
                ("s_xz", actual[2].data[i], sxz),
            ] {
                #expect(abs(Double(a) - e) <= 1e-4 * (1 + abs(e)), "sample \(i) \(name): \(a) vs \(e)")
            }
        }
    }

    /// Synthetic weights give scores of unit order: neither vanishing nor exploding, and different per sample.
    @Test func syntheticScoresHaveSaneMagnitudes() throws {
        let config = DiscriminatorConfig.fashionMNIST
        let backend = CPUBackend()
        let d = try Discriminator(config: config, weights: SyntheticWeights(seed: 2), backend: backend)
        let n = 4
        let out = try d(
            x: backend.upload(RandomImages.uniform(count: n, resolution: config.resolution, seed: 6)),
            z: backend.upload(latents(count: n, zDim: config.zDim, seed: 7)))
        for (name, score) in [("s_x", out.scoreX), ("s_z", out.scoreZ), ("s_xz", out.scoreXZ)] {
            let values = try backend.download(score).data
            let rms = (values.reduce(0) { $0 + $1 * $1 } / Float(n)).squareRoot()
            #expect(rms >= 0.05 && rms <= 20, "\(name) \(values)")
            #expect(Set(values).count == n, "\(name) \(values)")
        }
    }

    /// Every named layer, in order, reaches the tap.
    @Test func tapSeesEveryLayerInOrder() throws {
        let backend = CPUBackend()
        let d = try Discriminator(config: tiny, weights: SyntheticWeights(), backend: backend)
        var names: [String] = []
        _ = try d(
            x: backend.upload(RandomImages.uniform(count: 1, resolution: tiny.resolution, seed: 1)),
            z: backend.upload(latents(count: 1, zDim: tiny.zDim, seed: 1))
        ) { name, _ in names.append(name) }
        #expect(
            names == [
                "F/DBlock", "F/attention", "F/DBlock_1", "F/DBlock_2", "F/DBlock_3", "F/sum_pool", "F/score",
                "H/linear_1", "H/linear_2", "H/score", "J/linear_1", "J/linear_2", "J/linear_3", "J/score",
            ])
    }

    /// Vulkan against the CPU reference on the default model's discriminator with synthetic weights. Convolutions sum
    /// ≤ 9·128 products in another order (relative error ~1e-6 each); through 4 blocks, attention, a sum over 16
    /// positions and the MLPs the unit-order scores differ by ≲1e-4. We allow 1e-3 absolute and NMSE 1e-8.
    @Test(arguments: [(1, UInt64(0)), (3, 1)])
    func vulkanMatchesReference(batch: Int, seed: UInt64) throws {
        let config = DiscriminatorConfig.fashionMNIST
        let weights = SyntheticWeights(seed: seed)
        let x = try RandomImages.uniform(count: batch, resolution: config.resolution, seed: seed)
        let z = latents(count: batch, zDim: config.zDim, seed: seed)
        let cpu = CPUBackend()
        let gpu = try TestDevice.vulkan()
        let expected = try Discriminator(config: config, weights: weights, backend: cpu)(
            x: cpu.upload(x), z: cpu.upload(z))
        let actual = try Discriminator(config: config, weights: weights, backend: gpu)(
            x: gpu.upload(x), z: gpu.upload(z))
        for (name, a, e) in [
            ("s_x", actual.scoreX, expected.scoreX), ("s_z", actual.scoreZ, expected.scoreZ),
            ("s_xz", actual.scoreXZ, expected.scoreXZ),
        ] {
            let errors = ErrorStatistics(actual: try gpu.download(a).data, expected: try cpu.download(e).data)
            #expect(errors.maxAbsolute < 1e-3 && errors.nmse < 1e-8, "batch \(batch) \(name): \(errors)")
        }
    }
}
