import BigBiGAN
import Tensors
import Testing

/// The sizes the command-line tool checks memory with before loading a model: every weight element a model loads,
/// its largest activation, and configs rejected before any arithmetic on their sizes.
@Suite struct ModelSizeTests {
    private func loadedElements(_ weights: RecordingWeights) -> Int {
        weights.requests.reduce(0) { $0 + $1.shape.count }
    }

    @Test(arguments: [4, 8]) func generatorWeightElementsAreWhatItLoads(ch: Int) throws {
        let config = GeneratorConfig(ch: ch)
        let weights = RecordingWeights()
        _ = try Generator(config: config, weights: weights, backend: CPUBackend())
        #expect(config.weightElements == loadedElements(weights))
    }

    @Test(arguments: EncoderArchitecture.allCases) func encoderWeightElementsAreWhatItLoads(
        architecture: EncoderArchitecture
    ) throws {
        let config = EncoderConfig.reduced(architecture)
        let weights = RecordingWeights()
        _ = try Encoder(config: config, weights: weights, backend: CPUBackend())
        #expect(config.weightElements == loadedElements(weights))
    }

    /// The default model's three networks at 32×32: the small encoder stem (3×3/1, no pooling) counted and sized like
    /// the released one.
    @Test func defaultModelSizesAreWhatItLoadsAndComputes() throws {
        let backend = CPUBackend()
        let generator = RecordingWeights()
        _ = try Generator(config: DefaultModel.generator, weights: generator, backend: backend)
        #expect(DefaultModel.generator.weightElements == loadedElements(generator))
        let encoder = RecordingWeights()
        _ = try Encoder(config: DefaultModel.encoder, weights: encoder, backend: backend)
        #expect(DefaultModel.encoder.weightElements == loadedElements(encoder))
        #expect(DefaultModel.encoder.downsampling == 4 && DefaultModel.encoder.finalResolution == 8)
        var largest = 0
        _ = try Encoder(config: DefaultModel.encoder, weights: ZeroWeights(), backend: backend)(
            backend.upload(HostTensor(zeros: [1, 32, 32, 3])), noiseSeed: 0,
            tap: { _, tensor in largest = max(largest, tensor.shape.perSample) })
        #expect(largest == 32 * 32 * 64 && DefaultModel.encoder.largestActivation == largest)
    }

    /// The generator's largest activation is its largest named layer output.
    @Test func generatorLargestActivationIsItsLargestLayer() throws {
        let config = GeneratorConfig(ch: 4)
        let backend = CPUBackend()
        var largest = 0
        _ = try Generator(config: config, weights: ZeroWeights(), backend: backend)(
            backend.upload(HostTensor(zeros: [1, config.zDim])),
            tap: { _, tensor in largest = max(largest, tensor.shape.perSample) })
        #expect(config.largestActivation == largest)
    }

    /// No named layer output of an encoder is larger than its largest activation (the stem's unpooled output, not
    /// tapped, can be larger still).
    @Test(arguments: EncoderArchitecture.allCases) func encoderLargestActivationBoundsItsLayers(
        architecture: EncoderArchitecture
    ) throws {
        let config = EncoderConfig.reduced(architecture)
        let backend = CPUBackend()
        var largest = 0
        _ = try Encoder(config: config, weights: ZeroWeights(), backend: backend)(
            backend.upload(HostTensor(zeros: [1, config.resolution, config.resolution, 3])), noiseSeed: 0,
            tap: { _, tensor in largest = max(largest, tensor.shape.perSample) })
        #expect(largest > 0 && config.largestActivation >= largest)
    }

    /// Sizes from a command line or a crafted file are rejected with a message, not an arithmetic overflow.
    @Test func absurdSizesAreRejectedNotOverflowed() {
        #expect(throws: TensorError.self) { try GeneratorConfig(ch: 4_611_686_018_427_387_904).validate() }
        #expect(throws: TensorError.self) { try GeneratorConfig(ch: 0).validate() }
        for width in [9_223_372_036_854_775_800, 4, 12] {
            #expect(throws: TensorError.self) { try EncoderConfig(architecture: .resnet50, width: width).validate() }
        }
        var config = EncoderConfig.resnet50
        config.resolution = 1 << 40
        #expect(throws: TensorError.self) { try config.validate() }
    }

    /// Which encoder weights hold is told by their shapes, and asking for the other one names the mismatch instead
    /// of misreading the width.
    @Test func theStoredEncoderArchitectureIsRecognised() throws {
        var shapes: [EncoderArchitecture: StoredShapes] = [:]
        for architecture in EncoderArchitecture.allCases {
            let weights = RecordingWeights()
            _ = try Encoder(config: .reduced(architecture, width: 16), weights: weights, backend: CPUBackend())
            shapes[architecture] = StoredShapes(weights.requests.map { ($0.name, $0.shape) })
        }
        let resnet = try #require(shapes[.resnet50])
        let revnet = try #require(shapes[.revnet50x4])
        #expect(EncoderArchitecture.stored(in: resnet)?.architecture == .resnet50)
        #expect(EncoderArchitecture.stored(in: revnet)?.architecture == .revnet50x4)
        #expect(EncoderArchitecture.stored(in: ZeroWeights()) == nil)
        #expect(try EncoderConfig.matching(.resnet50, weights: resnet).width == 16)
        #expect(try EncoderConfig.matching(.revnet50x4, weights: revnet).width == 16)
        #expect {
            try EncoderConfig.matching(.revnet50x4, weights: resnet)
        } throws: { error in
            "\(error)".contains("holds a resnet50 encoder, not revnet50x4")
        }
        #expect(throws: EncoderArchitectureMismatch.self) { try EncoderConfig.matching(.resnet50, weights: revnet) }
    }
}

/// Shapes known without loading, as a checkpoint tells them.
private struct StoredShapes: WeightSource {
    let shapes: [String: Shape]

    init(_ entries: [(String, Shape)]) { shapes = Dictionary(entries) { first, _ in first } }

    var description: String { "stored shapes" }
    func load(_ name: String, shape: Shape, role: WeightRole) throws -> HostTensor { HostTensor(zeros: shape) }
    func storedShape(_ name: String) -> Shape? { shapes[name] }
}
