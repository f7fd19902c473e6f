import BigBiGANIO
import Foundation
import Tensors
import Testing

@testable import GraphEngine

/// The graph engine on `Tests/Fixtures/graph-ops` (`tools/fixtures/make_graph_ops_fixture.py`): one signature per
/// group of TensorFlow ops, each fed its golden inputs on the CPU reference and on Vulkan, every output compared with
/// TensorFlow's. The fixture's README says what each signature computes.
@Suite("graph engine: op zoo")
struct OpZooTests {
    static let name = "graph-ops"
    static let module = Result { try GraphModule(url: Fixtures.module(name)) }

    /// How closely an output must match TensorFlow's.
    enum Agreement: CustomStringConvertible {
        /// Bit for bit: data movement, comparisons and selects, nearest resizes, max/min, casts, and elementwise ops
        /// that are one correctly rounded IEEE operation (or none) in both TensorFlow and the backends.
        case exact
        /// Each element within `relative` × max(|expected|, 1): elementwise ops whose result is not correctly rounded
        /// (transcendental functions; division, square roots and reciprocals on Vulkan, where GLSL allows a few
        /// ULPs; interpolation weights multiplied and added in another order).
        case elementwise(Float)
        /// Each element within `relative` × max(1, the output's largest |expected|): sums of several products or
        /// terms, which TensorFlow's kernels and ours add in another order (convolutions, products, reductions,
        /// averages, softmax).
        case summed(Float)

        var description: String {
            switch self {
            case .exact: return "exact"
            case .elementwise(let r): return "elementwise \(r)"
            case .summed(let r): return "summed \(r)"
            }
        }
    }

    /// Tolerances, by group (measured on the CPU reference and lavapipe, 2026-12-02, in brackets):
    /// - exact: data movement, selects and comparisons, nearest resizes, max/min reductions and pools, casts, integer
    ///   arithmetic, and ops that are one IEEE operation or none (abs, floor, ceil, round, sign, relu6, leaky ReLU,
    ///   square, maximum, squared difference, x · constant) [all equal].
    /// - sums (convolutions ≤ 27 terms, products ≤ 6, reductions ≤ 60, average pools ≤ 9, softmax ≤ 18, AddN ≤ 3, batch
    ///   norm as one multiply-add): TensorFlow's kernels and ours add the same terms in another order, fp32 rounding of
    ///   a few 1e-7 of the output's scale; 1e-5 of it (1e-6 for AddN) [≤ 1.2e-7 of the scale].
    /// - transcendental functions (exp, log, sigmoid, tanh, elu, softplus) and rsqrt: Eigen's kernels, libm and GLSL's
    ///   built-ins differ by a few ULPs (GLSL allows 3 + 2|x| ULPs for exp, absolute 2⁻²¹ for log near 1): 1e-5 of
    ///   max(|expected|, 1) [≤ 1.4e-7].
    /// - division, sqrt, reciprocal: TensorFlow's vectorised reciprocal is 1 ULP off IEEE, and GLSL allows 2.5 ULPs
    ///   for division and sqrt: 1e-6 of max(|expected|, 1) [≤ 6e-8].
    /// - bilinear and bicubic resizes: 4 or 16 weighted taps (TensorFlow's coordinates and weight table) summed in
    ///   another order: 4e-6 of the output's scale [≤ 6e-7].
    static let expectations: [String: [String: Agreement]] = [
        "conv": [
            "explicit": .summed(1e-5), "explicit_strided": .summed(1e-5), "dilated_same": .summed(1e-5),
            "dilated_valid": .summed(1e-5), "strided_valid": .summed(1e-5), "biased_relu": .summed(1e-5),
        ],
        "matmul": [
            "transpose_a": .summed(1e-5), "transpose_b": .summed(1e-5), "transpose_both": .summed(1e-5),
            "runtime_b": .summed(1e-5),
        ],
        "batch_matmul": [
            "rank3_adj_y": .summed(1e-5), "rank3_adj_x": .summed(1e-5), "rank4_adj_x": .summed(1e-5),
            "rank4_adj_both": .summed(1e-5), "rank3_shared": .summed(1e-5), "broadcast_both": .summed(1e-5),
            "broadcast_rank": .summed(1e-5), "broadcast_matrix": .summed(1e-5),
        ],
        "unpack": ["axis1_first": .exact, "axis1_last": .exact, "channel_1": .exact],
        "select": [
            "select_vector": .exact, "select_scalar": .exact, "select_elementwise": .exact,
            "select_v2_broadcast": .exact, "greater": .exact, "less_equal": .exact, "equal": .exact,
        ],
        "integer": [
            "div": .exact, "div_by_tensor": .exact, "mean": .exact, "mean_keep": .exact, "sum_max": .exact,
            "select": .exact, "nearest_mean": .exact, "bilinear_mean": .summed(1e-5),
        ],
        "fill": ["fill": .exact, "fill_times_x": .exact, "zeros_like": .exact, "ones_like_minus_x": .exact],
        "cast": [
            "int_round_trip": .exact, "int_arithmetic": .exact, "bool_round_trip": .exact, "bool_of_relu": .exact,
        ],
        "slice": [
            "slice": .exact, "negative_strides": .exact, "reverse_all": .exact, "ellipsis_shrink": .exact,
            "new_axis": .exact, "shrink_new_axis": .exact, "clamped": .exact,
        ],
        "pad_tile": ["pad_constant": .exact, "pad_zero": .exact, "tile": .exact, "transpose": .exact],
        "reduce": [
            "max_keep_last": .exact, "min_negative": .exact, "sum_keep": .summed(1e-5), "mean_negative": .summed(1e-5),
            "mean_all": .summed(1e-5), "max_keep_outer": .exact,
        ],
        "unary": [
            "relu6": .exact, "elu": .elementwise(1e-5), "sigmoid": .elementwise(1e-5), "exp": .elementwise(1e-5),
            "log": .elementwise(1e-5), "softplus": .elementwise(1e-5), "sqrt": .elementwise(1e-6),
            "rsqrt": .elementwise(1e-5), "square": .exact, "abs": .exact, "floor": .exact, "ceil": .exact,
            "round": .exact, "sign": .exact, "reciprocal": .elementwise(1e-6), "leaky_relu": .exact,
            "neg_tanh": .elementwise(1e-5),
        ],
        "binary": [
            "maximum": .exact, "minimum": .exact, "real_div": .elementwise(1e-6), "real_div_by_x": .elementwise(1e-6),
            "squared_difference": .exact, "maximum_scalar": .exact, "add_n": .summed(1e-6),
        ],
        "resize": [
            "nearest_align_corners": .exact, "nearest_half_pixel": .exact, "nearest_legacy": .exact,
            "nearest_half_pixel_down": .exact, "nearest_align_corners_down": .exact,
            "bilinear_align_corners": .summed(4e-6), "bilinear_half_pixel_down": .summed(4e-6),
            "bicubic_legacy": .summed(4e-6), "bicubic_half_pixel": .summed(4e-6),
            "bicubic_align_corners": .summed(4e-6),
        ],
        "neural": [
            "avg_pool_same": .summed(1e-5), "max_pool_valid": .exact, "max_pool_valid_3x3": .exact,
            "softmax": .summed(1e-5), "softmax_rows": .summed(1e-5), "batch_norm": .summed(1e-5),
        ],
        "shape_math": ["reshaped": .exact, "target": .exact, "floordiv": .exact],
        "structure": [
            "expand_last": .exact, "expand_1": .exact, "squeeze": .exact, "split_first": .exact,
            "split_middle": .exact, "concat_negative": .exact, "concat_channels": .exact, "pack_axis1": .exact,
            "add_n": .summed(1e-6),
        ],
        "legacy": [
            "batch_norm_v1": .summed(1e-5), "batch_norm_v2": .summed(1e-5), "batch_matmul_v1": .summed(1e-5),
            "batch_matmul_v3": .summed(1e-5), "resource_matmul": .summed(1e-5), "concat_v1": .exact,
            "add_inv": .elementwise(1e-6), "pass_through": .exact, "flattened": .exact, "host_select": .exact,
            "squeeze_all": .exact, "mean_no_axes": .exact,
        ],
    ]

    static let deterministicSignatures = expectations.keys.sorted()
    /// The outputs of `random`, which are checked by distribution only.
    static let randomOutputs: Set<String> = ["uniform", "truncated", "x_plus_uniform"]

    /// Runs `signature` on `backend`, fed its golden inputs, and downloads every output.
    static func run(_ signature: String, on backend: any Backend, noiseSeed: UInt64 = 0) throws -> [String: HostTensor]
    {
        let module = try module.get()
        let program = try GraphProgram(module: module, signature: signature, backend: backend)
        let feeds = try module.signature(signature).inputs.reduce(into: [String: Tensor]()) { feeds, input in
            feeds[input.key] = try backend.upload(Fixtures.golden(name, "\(signature).\(input.key)"))
        }
        return try program.run(feeds, noiseSeed: noiseSeed).mapValues { try backend.download($0) }
    }

    /// Every output of the signature matches TensorFlow as `expectations` says.
    @Test(arguments: deterministicSignatures, ["cpu", "vulkan"])
    func matchesTensorFlow(_ signature: String, _ device: String) throws {
        let outputs = try Self.run(signature, on: Fixtures.backend(device))
        let expected = try #require(Self.expectations[signature])
        #expect(Set(outputs.keys) == Set(expected.keys), "\(signature): outputs \(outputs.keys.sorted())")
        for (key, agreement) in expected.sorted(by: { $0.key < $1.key }) {
            let golden = try Fixtures.golden(Self.name, "\(signature).\(key)")
            let actual = try #require(outputs[key], "\(signature).\(key) missing")
            guard actual.shape == golden.shape else {
                Issue.record("\(device) \(signature).\(key): shape \(actual.shape), expected \(golden.shape)")
                continue
            }
            if let problem = Self.disagreement(actual.data, golden.data, agreement) {
                Issue.record("\(device) \(signature).\(key) (\(agreement)): \(problem)")
            }
        }
    }

    /// How `actual` falls outside `agreement` with `expected` (how many elements, the first one, the statistics); nil
    /// when every element agrees. Exact means equal values (−0 equals 0).
    static func disagreement(_ actual: [Float], _ expected: [Float], _ agreement: Agreement) -> String? {
        let scale = expected.reduce(Float(1)) { max($0, abs($1)) }
        let differing = expected.indices.filter { i in
            let (a, e) = (actual[i], expected[i])
            switch agreement {
            case .exact: return a != e
            case .elementwise(let relative): return !(abs(a - e) <= relative * max(abs(e), 1))
            case .summed(let relative): return !(abs(a - e) <= relative * scale)
            }
        }
        guard let first = differing.first else { return nil }
        return "\(differing.count) of \(expected.count) elements differ, the first at \(first): \(actual[first]), "
            + "expected \(expected[first]); \(ErrorStatistics(actual: actual, expected: expected))"
    }

    /// The fixture's signatures are exactly those this suite checks, each with the outputs it lists, and the engine
    /// runs every op they need.
    @Test func everySignatureIsCoveredAndSupported() throws {
        let module = try Self.module.get()
        #expect(module.metaGraph.tags.isEmpty)
        #expect(module.signatureNames == (Self.deterministicSignatures + ["random"]).sorted())
        for signature in module.signatureNames {
            #expect(try module.unsupportedOps(signature: signature).isEmpty, "\(signature)")
            let keys = Set(try module.signature(signature).outputs.map(\.key))
            let listed = Self.expectations[signature].map { Set($0.keys) } ?? Self.randomOutputs
            #expect(keys == listed, "\(signature): \(keys.sorted())")
        }
    }

    /// Range and moments of `random`'s draws (uniform in [−1, 3), truncated normal with mean 1 and stddev 2 redrawn
    /// beyond 2 stddev, x + uniform in [0, 1)); nil if they are plausible, else what is not. Each mean must lie
    /// within 5 standard errors of its expectation, each variance within 5 standard errors of its own.
    static func randomProblem(_ outputs: [String: HostTensor], x: HostTensor) -> String? {
        guard let u = outputs["uniform"]?.data, let t = outputs["truncated"]?.data,
            let xu = outputs["x_plus_uniform"]?.data
        else { return "outputs missing" }
        func moments(_ v: [Float]) -> (mean: Double, variance: Double) {
            let mean = v.reduce(0) { $0 + Double($1) } / Double(v.count)
            return (mean, v.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count))
        }
        let n = Double(u.count)
        guard u.count == 2000, t.count == 2000, xu.count == 2000 else { return "sizes \(u.count), \(t.count)" }
        // Uniform on [−1, 3): mean 1, variance 16/12, excess kurtosis −1.2 (the variance's standard error is
        // σ²·√(0.8/n)).
        let (um, uv) = moments(u)
        guard u.allSatisfy({ $0 >= -1 && $0 < 3 }), abs(um - 1) < 5 * (16 / 12 / n).squareRoot(),
            abs(uv - 16 / 12) < 5 * 16 / 12 * (0.8 / n).squareRoot()
        else { return "uniform: range \(u.min()!)…\(u.max()!), mean \(um), variance \(uv)" }
        // Normal(1, 2²) truncated at ±2σ: values in [−3, 5], variance 4·(1 − 4φ(2)/(Φ(2) − Φ(−2))) = 3.095, kurtosis
        // 2.37 (the variance's standard error is σ²·√(1.37/n)).
        let kept = erf(2 / 2.0.squareRoot())
        let variance = 4 * (1 - 4 * exp(-2) / (2 * Double.pi).squareRoot() / kept)
        let (tm, tv) = moments(t)
        guard t.allSatisfy({ $0 >= -3 && $0 <= 5 }), abs(tm - 1) < 5 * (variance / n).squareRoot(),
            abs(tv - variance) < 5 * variance * (1.37 / n).squareRoot()
        else { return "truncated: range \(t.min()!)…\(t.max()!), mean \(tm), variance \(tv) (expected \(variance))" }
        // x[:, :1] + uniform [0, 1): each row shifted by its sample's first value.
        let offsets = (0 ..< 2000).map { xu[$0] - x.data[($0 / 1000) * 4] }
        let (om, _) = moments(offsets)
        guard offsets.allSatisfy({ $0 >= -1e-6 && $0 < 1 + 1e-6 }), abs(om - 0.5) < 5 * (1 / 12 / n).squareRoot()
        else { return "x_plus_uniform − x: range \(offsets.min()!)…\(offsets.max()!), mean \(om)" }
        return nil
    }

    /// `random` matches TensorFlow in distribution only (the engine draws from `SeededRandom`, not TensorFlow's
    /// generator): the engine's draws and TensorFlow's goldens pass the same range and moment checks, and another
    /// noise seed gives other draws.
    @Test(arguments: ["cpu", "vulkan"])
    func randomMatchesInDistribution(_ device: String) throws {
        let backend = try Fixtures.backend(device)
        let x = try Fixtures.golden(Self.name, "random.x")
        let golden = try Self.randomOutputs.reduce(into: [String: HostTensor]()) {
            $0[$1] = try Fixtures.golden(Self.name, "random.\($1)")
        }
        #expect(
            Self.randomProblem(golden, x: x) == nil, "TensorFlow's draws: \(Self.randomProblem(golden, x: x) ?? "")")
        let outputs = try Self.run("random", on: backend, noiseSeed: 3)
        for (key, value) in outputs { #expect(value.shape == [2, 1000], "\(key): \(value.shape)") }
        let problem = Self.randomProblem(outputs, x: x)
        #expect(problem == nil, "\(device): \(problem ?? "")")
        let other = try Self.run("random", on: backend, noiseSeed: 4)
        #expect(other["uniform"]?.data != outputs["uniform"]?.data)
        #expect(try Self.run("random", on: backend, noiseSeed: 3)["truncated"]?.data == outputs["truncated"]?.data)
    }
}
