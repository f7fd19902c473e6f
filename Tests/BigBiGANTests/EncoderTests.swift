import BigBiGAN
import Foundation
import Tensors
import TestSupport
import Testing

@testable import TensorsVulkan

// MARK: - Support

extension RecordingWeights {
    /// Shapes by name relative to the encoder scope.
    var encoderShapes: [String: Shape] {
        Dictionary(
            requests.map { (String($0.name.dropFirst(Encoder.scope.count + 1)), $0.shape) },
            uniquingKeysWith: { a, _ in a })
    }

    /// Learned parameters of the encoder trunk (kernels, biases, BN γ/β; not the stored statistics, not bn_crelu
    /// or head): the quantity behind the 23.5 M / 85.7 M of `docs/released-modules.md`.
    var encoderTrunkParameters: Int {
        requests.filter { r in
            let local = r.name.dropFirst(Encoder.scope.count + 1)
            guard !local.hasPrefix("head/"), !local.hasPrefix("bn_crelu/") else { return false }
            switch r.role {
            case .kernel, .bias, .normScale, .normOffset: return true
            default: return false
            }
        }.reduce(0) { $0 + $1.shape.count }
    }
}

private func std(_ values: ArraySlice<Float>) -> Float {
    let mean = values.reduce(0, +) / Float(values.count)
    return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)).squareRoot()
}

// MARK: - Configs

@Suite("Encoder config")
struct EncoderConfigTests {
    @Test func releasedSizes() throws {
        let resnet = EncoderConfig.resnet50
        let revnet = EncoderConfig.revnet50x4
        try resnet.validate()
        try revnet.validate()
        #expect(resnet.featureChannels == 2048 && resnet.bnCreluChannels == 4096)
        #expect(revnet.featureChannels == 8192 && revnet.bnCreluChannels == 16384)
        #expect(resnet.stemChannels == 64 && revnet.stemChannels == 1024)
        #expect(resnet.widthMultiplier == 1 && revnet.widthMultiplier == 4)
        #expect(resnet.finalResolution == 8 && revnet.finalResolution == 8)
        #expect(resnet.zDim == 120 && resnet.resolution == 256 && resnet.blocksPerStage == [3, 4, 6, 3])
        for architecture in EncoderArchitecture.allCases { try EncoderConfig.reduced(architecture).validate() }
    }

    @Test func rejectsInconsistentConfigs() {
        let base = EncoderConfig.reduced(.resnet50)
        var bad: [EncoderConfig] = []
        var c = base
        c.width = 12
        bad.append(c)  // RevNet/ResNet bottlenecks need width % 8 == 0
        c = base
        c.resolution = 48
        bad.append(c)  // not a multiple of 4·2³
        c = base
        c.blocksPerStage = []
        bad.append(c)
        c = base
        c.blocksPerStage = [1, 0, 1]
        bad.append(c)
        c = base
        c.zDim = 0
        bad.append(c)
        c = base
        c.head.hiddenWidths = [8, 0]
        bad.append(c)
        c = base
        c.epsilon = -1
        bad.append(c)
        for config in bad {
            #expect(throws: TensorError.self, "\(config)") { try config.validate() }
            #expect(throws: TensorError.self) {
                _ = try Encoder(config: config, weights: SyntheticWeights(), backend: CPUBackend())
            }
        }
    }
}

// MARK: - Weights

@Suite("Encoder weights", .serialized)
struct EncoderWeightTests {
    /// Zero weights by default: listing the released configs without drawing ~170 M random numbers.
    private func record(_ config: EncoderConfig, _ base: any WeightSource = ZeroWeights()) throws -> RecordingWeights {
        let source = RecordingWeights(base)
        _ = try Encoder(config: config, weights: source, backend: CPUBackend())
        return source
    }

    @Test func releasedResNet50() throws {
        let weights = try record(.resnet50)
        let s = weights.encoderShapes
        #expect(s.count == weights.requests.count, "every weight is requested once")
        #expect(weights.requests.allSatisfy { $0.name.hasPrefix("GenEncWrapper/Encoder/") })
        #expect(s["stem/conv/w"] == [7, 7, 3, 64])
        #expect(s["stage1/block1/bn1/scale"] == [64])
        #expect(s["stage1/block1/shortcut/w"] == [1, 1, 64, 256])
        #expect(s["stage1/block1/conv1/w"] == [1, 1, 64, 64])
        #expect(s["stage2/block1/conv2/w"] == [3, 3, 128, 128])
        #expect(s["stage2/block1/shortcut/w"] == [1, 1, 256, 512])
        #expect(s["stage2/block2/shortcut/w"] == nil, "identity blocks have no projection")
        #expect(s["stage3/block6/conv3/w"] == [1, 1, 256, 1024])
        #expect(s["stage4/block3/conv3/w"] == [1, 1, 512, 2048])
        #expect(s["stage4/block4/conv1/w"] == nil)
        #expect(s["final_bn/accumulated_var"] == [2048])
        #expect(s["bn_crelu/bn/accumulated_mean"] == [2048] && s["bn_crelu/bn/accumulated_var"] == [2048])
        #expect(s["bn_crelu/bn/scale"] == nil && s["bn_crelu/bn/offset"] == nil, "the bn_crelu BN has no γ/β")
        #expect(
            s["head/linear_1/w"] == [2048, 4096] && s["head/z_params/w"] == [4096, 240] && s["head/z_params/b"] == [240]
        )
        #expect(!s.keys.contains { $0.hasSuffix("conv1/b") || $0.hasSuffix("conv/b") }, "trunk convs have no bias")
        // docs/released-modules.md, ResNet-50 trunk: ≈ 23.5 M parameters (computed from this structure; its GMAC in
        // ForwardFlopsTests).
        let parameters = Double(weights.encoderTrunkParameters)
        #expect(abs(parameters - 23.5e6) / 23.5e6 < 0.005, "\(parameters)")
    }

    @Test func releasedRevNet50x4() throws {
        let weights = try record(.revnet50x4)
        let s = weights.encoderShapes
        #expect(s.count == weights.requests.count, "every weight is requested once")
        #expect(s["stem/conv/w"] == [7, 7, 3, 1024])
        // Stage 1: C = 1024, F maps the 512-channel half through 128 channels.
        #expect(s["stage1/block1/bn1/accumulated_mean"] == [512])
        #expect(s["stage1/block1/conv1/w"] == [1, 1, 512, 128])
        #expect(s["stage1/block1/conv2/w"] == [3, 3, 128, 128])
        #expect(s["stage1/block1/conv3/w"] == [1, 1, 128, 512])
        #expect(s["stage3/block6/conv2/w"] == [3, 3, 512, 512])
        #expect(s["stage4/block3/conv3/w"] == [1, 1, 1024, 4096])
        #expect(!s.keys.contains { $0.contains("shortcut") }, "reversible blocks have no projection")
        #expect(s["final_bn/scale"] == [8192])
        #expect(s["bn_crelu/bn/accumulated_var"] == [8192])
        #expect(s["head/linear_1/w"] == [8192, 4096] && s["head/z_params/w"] == [4096, 240])
        // docs/released-modules.md, RevNet-50×4 trunk: 85.7 M parameters (SimCLR: 86 M); its GMAC in ForwardFlopsTests.
        let parameters = Double(weights.encoderTrunkParameters)
        #expect(abs(parameters - 85.7e6) / 85.7e6 < 0.005, "\(parameters)")
    }

    @Test(arguments: EncoderArchitecture.allCases)
    func reducedConfigsFollowTheFamily(architecture: EncoderArchitecture) throws {
        let config = EncoderConfig.reduced(architecture)
        let weights = try record(config, SyntheticWeights(seed: 1))
        let s = weights.encoderShapes
        #expect(s.count == weights.requests.count)
        #expect(s["stem/conv/w"] == [7, 7, 3, config.stemChannels])
        #expect(s["final_bn/offset"] == [config.featureChannels])
        #expect(s["head/linear_1/w"] == [config.featureChannels, 48])
        #expect(s["head/linear_2/w"] == [48, 48])
        #expect(s["head/z_params/w"] == [48, 2 * config.zDim])
        let blocks = Set(
            s.keys.filter { $0.hasPrefix("stage") }.map { $0.split(separator: "/").prefix(2).joined(separator: "/") })
        #expect(blocks.count == config.blocksPerStage.reduce(0, +))
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let config = EncoderConfig.reduced(.revnet50x4)
        let missing = "GenEncWrapper/Encoder/stage2/block1/conv2/w"
        let misshapen = "GenEncWrapper/Encoder/head/z_params/b"
        let source = DamagedWeights(base: SyntheticWeights(), missing: [missing], reshaped: [misshapen])
        do {
            _ = try Encoder(config: config, weights: source, backend: CPUBackend())
            Issue.record("init should have thrown")
        } catch let error as WeightLoadError {
            #expect(error.problems.map(\.name).sorted() == [misshapen, missing].sorted())
            #expect(error.description.contains(missing) && error.description.contains(misshapen))
            #expect(
                error.description.contains("expected [\(2 * config.zDim)]"),
                "the shape problem names the expected shape")
        }
    }

    @Test func rejectsWrongInputShapes() throws {
        let config = EncoderConfig.reduced(.resnet50)
        let backend = CPUBackend()
        let encoder = try Encoder(config: config, weights: SyntheticWeights(), backend: backend)
        let r = config.resolution
        for shape: Shape in [[1, r / 2, r / 2, 3], [1, r, r, 1], [1, r, r / 2, 3], [r, r, 3], [0, r, r, 3]] {
            let x = try backend.upload(HostTensor(zeros: shape))
            #expect(throws: TensorError.self, "\(shape)") { _ = try encoder(x, noiseSeed: 0) }
        }
    }

    @Test func noiseIsSeededStandardNormal() {
        let a = Encoder.noise(samples: 50, zDim: 120, seed: 7)
        #expect(a == Encoder.noise(samples: 50, zDim: 120, seed: 7))
        #expect(a != Encoder.noise(samples: 50, zDim: 120, seed: 8))
        // 6000 draws: the sample mean has std 0.013 and the sample std about 0.009, so these bounds are > 7σ.
        let mean = a.data.reduce(0, +) / Float(a.data.count)
        #expect(abs(mean) < 0.1)
        #expect(abs(std(a.data[...]) - 1) < 0.07)
    }
}

// MARK: - Forward passes

/// Needs the CPU reference ops (conv2d, batchNorm, pool2d, matmul, …) from the op branches.
@Suite("Encoder forward")
struct EncoderForwardTests {
    @Test(arguments: EncoderArchitecture.allCases)
    func outputsOnReducedEncoder(architecture: EncoderArchitecture) throws {
        let config = EncoderConfig.reduced(architecture)
        let backend = CPUBackend()
        let encoder = try Encoder(
            config: config, weights: SyntheticWeights(seed: 3).calibrated(for: config), backend: backend)
        let n = 2
        let f = config.featureChannels
        let zDim = config.zDim
        let x = try backend.upload(RandomImages.uniform(count: n, resolution: config.resolution, seed: 11))
        let out = try encoder(x, noiseSeed: 5)

        let zMean = try backend.download(out.zMean)
        let zStdev = try backend.download(out.zStdev)
        let zSample = try backend.download(out.zSample)
        let avepool = try backend.download(out.avepoolFeat)
        let bnCrelu = try backend.download(out.bnCreluFeat)
        #expect(zMean.shape == [n, zDim] && zStdev.shape == [n, zDim] && zSample.shape == [n, zDim])
        #expect(avepool.shape == [n, f] && bnCrelu.shape == [n, 2 * f])
        for t in [zMean, zStdev, zSample, avepool, bnCrelu] { #expect(t.data.allSatisfy { $0.isFinite }) }
        #expect(zStdev.data.allSatisfy { $0 > 0 })

        for i in 0 ..< n {
            // crelu puts each x in exactly one of relu(x), relu(−x), so at least half of every row is zero.
            #expect(bnCrelu.data[(i * 2 * f) ..< ((i + 1) * 2 * f)].filter { $0 == 0 }.count >= f)
            // Synthetic gains and calibrated norms keep activations near unit scale: neither vanishing nor exploding.
            let featureStd = std(avepool.data[(i * f) ..< ((i + 1) * f)])
            #expect(featureStd >= 0.05 && featureStd <= 20, "avepool std \(featureStd)")
            let meanStd = std(zMean.data[(i * zDim) ..< ((i + 1) * zDim)])
            #expect(meanStd >= 0.05 && meanStd <= 20, "z_mean std \(meanStd)")
        }

        // z = μ + σ·ε with the documented ε: the same float operations, so only an FMA could change the last bit.
        let epsilon = Encoder.noise(samples: n, zDim: zDim, seed: 5)
        #expect(zSample != zMean)
        for k in zSample.data.indices {
            let expected = zMean.data[k] + zStdev.data[k] * epsilon.data[k]
            #expect(
                abs(zSample.data[k] - expected) <= 1e-6 * (abs(zMean.data[k]) + abs(zStdev.data[k] * epsilon.data[k]))
                    + 1e-7)
        }

        // The same seed reproduces the sample; another seed changes only the sample.
        let again = try encoder(x, noiseSeed: 5)
        let other = try encoder(x, noiseSeed: 6)
        #expect(try backend.download(again.zSample) == zSample)
        #expect(try backend.download(other.zSample) != zSample)
        #expect(try backend.download(other.zMean) == zMean)
    }

    /// Stored BN statistics make every sample independent of the rest of the batch.
    @Test(arguments: EncoderArchitecture.allCases)
    func batchDoesNotMixSamples(architecture: EncoderArchitecture) throws {
        let config = EncoderConfig.reduced(architecture, resolution: 32)
        let backend = CPUBackend()
        let encoder = try Encoder(
            config: config, weights: SyntheticWeights(seed: 4).calibrated(for: config), backend: backend)
        let pair = try RandomImages.uniform(count: 2, resolution: config.resolution, seed: 2)
        let first = try HostTensor(
            shape: [1, config.resolution, config.resolution, 3], data: Array(pair.data.prefix(pair.shape.perSample)))
        let batched = try backend.download(encoder(backend.upload(pair), noiseSeed: 0).zMean)
        let single = try backend.download(encoder(backend.upload(first), noiseSeed: 0).zMean)
        // Same computation per sample; a backend may still order its sums by batch layout: float32 rounding over
        // conv fan-ins of ≤ 7·7·3 = 147 terms through ~20 layers stays far below 1e-4 of the values' scale.
        for k in 0 ..< config.zDim {
            #expect(abs(batched.data[k] - single.data[k]) <= 1e-4 * (1 + abs(single.data[k])))
        }
    }
}

@Suite("Encoder parity")
struct EncoderParityTests {
    /// Every named layer, in order, reaches the tap.
    @Test func tapSeesEveryLayerInOrder() throws {
        let config = EncoderConfig.reduced(.revnet50x4, blocksPerStage: [2, 1], resolution: 16, hiddenWidths: [24])
        let cpu = CPUBackend()
        let encoder = try Encoder(config: config, weights: SyntheticWeights(), backend: cpu)
        var names: [String] = []
        _ = try encoder(
            cpu.upload(RandomImages.uniform(count: 1, resolution: config.resolution, seed: 1)), noiseSeed: 0
        ) { name, _ in names.append(name) }
        #expect(
            names == [
                "stem", "stage1/block1", "stage1/block2", "stage2/block1", "final_bn", "avepool_feat",
                "bn_crelu_feat", "head/linear_1", "z_mean", "z_stdev", "z_sample",
            ])
    }

    /// Vulkan (lavapipe) against the CPU reference at reduced size. Tolerance as for the generator: each conv sums
    /// ≤ 7·7·3 or 9·C products in another order (relative error ~1e-6 each); through ~20 convolutions, batch norms
    /// and the head, unit-scale outputs differ by ≲1e-4 absolute. We allow 5e-4 and NMSE 1e-8.
    @Test(arguments: [
        (EncoderArchitecture.resnet50, 1, UInt64(0)), (.resnet50, 3, 1), (.revnet50x4, 1, 2), (.revnet50x4, 2, 3),
    ])
    func vulkanMatchesReference(architecture: EncoderArchitecture, batch: Int, seed: UInt64) throws {
        try expectParity(.reduced(architecture), batch: batch, seed: seed, absolute: 5e-4)
    }

    /// The released ResNet-50 (23.5 M trunk parameters, ~10.7 GFLOP per image) at batch 1. Slow in debug builds,
    /// so it runs in the release pass. Deeper layers sum more terms (K up to 9·512 = 4608), so 1e-3 absolute.
    @Test(.enabled(if: !isDebugBuild, "full-size parity runs in the release pass"))
    func fullSizeResNetMatchesReference() throws {
        try expectParity(.resnet50, batch: 1, seed: 7, absolute: 1e-3)
    }

    /// The released RevNet-50×4 (85.7 M trunk parameters, ~41 GFLOP per image) at batch 1, release pass only.
    /// Its 1×1 convolutions sum up to 4096 terms and 3×3 ones 9·1024; same bound as ResNet-50.
    @Test(.enabled(if: !isDebugBuild, "full-size parity runs in the release pass"))
    func fullSizeRevNetMatchesReference() throws {
        try expectParity(.revnet50x4, batch: 1, seed: 8, absolute: 1e-3)
    }

    private func expectParity(_ config: EncoderConfig, batch: Int, seed: UInt64, absolute: Float) throws {
        for (name, e) in try encoderOutputErrors(config, batch: batch, seed: seed, gpu: TestDevice.vulkan()) {
            #expect(e.maxAbsolute < absolute && e.nmse < 1e-8, "\(config.architecture) batch \(batch) \(name): \(e)")
        }
    }
}
