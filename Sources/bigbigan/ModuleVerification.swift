import BigBiGAN
import FileAccess
import Foundation
import GraphEngine
import Tensors
import VulkanCompute

/// How one output of a signature compares between the native model and the module's graph.
struct OutputAgreement: Codable, Equatable {
    let key: String
    let shape: [Int]
    /// Largest |native − graph|.
    let maxAbsolute: Double
    /// Largest |native − graph| / |graph| over elements with |graph| ≥ 1e-3 of the range.
    let maxRelative: Double
    /// max − min of the graph's output.
    let range: Double
    /// The bound on `maxAbsolute`: `ModuleVerification.relativeTolerance` × `range`.
    let tolerance: Double
    var agrees: Bool { maxAbsolute <= tolerance }
}

/// The verdict on one signature: whether the native model loads the module's weights and, if so, how every output
/// compares with the graph on a small seeded batch.
struct SignatureVerdict: Codable, Equatable {
    let signature: String
    /// Why the native model cannot run this module (missing names, other shapes); nil when it loads.
    let nativeProblem: String?
    let outputs: [OutputAgreement]
    var agrees: Bool { nativeProblem == nil && !outputs.isEmpty && outputs.allSatisfy(\.agrees) }
}

/// Compares the native models with a module's own graph (`bigbigan verify` and `--engine auto`).
///
/// Both run on the same backend, the same weights and the same inputs: `samples` latents `Latents.normal(seed: 0)`
/// for `generate`, `samples` images `RandomImages.uniform(seed: 0)` for `encode`, noise seed 0 (the graph's
/// `RandomStandardNormal` draws the same ε as the native encoder, `GraphProgram.run`). An output agrees when its
/// largest absolute difference is at most `relativeTolerance` of the graph output's range: 1e-3 with fp32 storage,
/// where the two differ only by summation order (about 1e-5 of the range), and 2e-2 with fp16 storage, whose
/// rounding (2⁻¹¹ per stored value) compounds over the network's depth. A structural difference (a stride in
/// another place, another epsilon, another resize) moves outputs by a sizeable part of their range.
enum ModuleVerification {
    static let samples = 2
    /// Signatures the native models implement.
    static let nativeSignatures = ["generate", "encode"]

    static func relativeTolerance(_ precision: Precision) -> Double { precision == .fp16 ? 2e-2 : 1e-3 }

    /// Runs both engines on `signature` and compares every output the native model has.
    static func verify(
        _ signature: String, module: GraphModule, weightsPath: String, encoder: EncoderArchitecture,
        backend: any Backend, precision: Precision
    ) throws -> SignatureVerdict {
        let tolerance = relativeTolerance(precision)
        let native: [String: HostTensor]
        let graph: [String: HostTensor]
        switch signature {
        case "generate":
            let program = try GraphProgram(module: module, signature: signature, backend: backend)
            let keys = program.outputs.map(\.key).filter { ["default", "upsampled"].contains($0) }
            let z = try Latents.normal(count: samples, dimension: 120, seed: 0)
            do {
                let source = try WeightFiles.open(weightsPath)
                let generator = try Generator(config: .matching(source), weights: source, backend: backend)
                let output = try generator(backend.upload(z))
                native = try [
                    "default": backend.download(output.image), "upsampled": backend.download(output.upsampled),
                ]
            } catch {
                return SignatureVerdict(signature: signature, nativeProblem: "\(error)", outputs: [])
            }
            let result = try program.run([program.signature.inputs[0].key: backend.upload(z)])
            graph = try result.filter { keys.contains($0.key) }.mapValues { try backend.download($0) }
        case "encode":
            let runner = try EncoderRunner.graph(module, backend: backend)
            let x = try RandomImages.uniform(count: samples, resolution: runner.resolution, seed: 0)
            do {
                let source = try WeightFiles.open(weightsPath)
                let config = try EncoderConfig.matching(encoder, weights: source)
                guard config.resolution == runner.resolution else {
                    throw CommandFailure(
                        "the native encoder takes \(config.resolution)×\(config.resolution) images, the graph \(runner.resolution)"
                    )
                }
                let model = try Encoder(config: config, weights: source, backend: backend)
                native = try EncoderRunner.native(model).forward(backend.upload(x), 0).mapValues {
                    try backend.download($0)
                }
            } catch {
                return SignatureVerdict(signature: signature, nativeProblem: "\(error)", outputs: [])
            }
            graph = try runner.forward(backend.upload(x), 0).mapValues { try backend.download($0) }
        default:
            throw CommandFailure(
                "the native models have no '\(signature)' (they implement \(nativeSignatures.joined(separator: ", ")))")
        }
        var outputs: [OutputAgreement] = []
        for key in graph.keys.sorted() {
            guard let expected = graph[key], let actual = native[key] else { continue }
            guard expected.shape == actual.shape else {
                return SignatureVerdict(
                    signature: signature,
                    nativeProblem: "output '\(key)' is \(actual.shape) natively but \(expected.shape) in the graph",
                    outputs: [])
            }
            let stats = ErrorStatistics(actual: actual.data, expected: expected.data)
            let low = expected.data.min() ?? 0
            let high = expected.data.max() ?? 0
            let range = Double(high - low)
            outputs.append(
                OutputAgreement(
                    key: key, shape: expected.shape.dims, maxAbsolute: Double(stats.maxAbsolute),
                    maxRelative: Double(stats.maxRelative), range: range, tolerance: tolerance * max(range, 1e-6)))
        }
        return SignatureVerdict(signature: signature, nativeProblem: nil, outputs: outputs)
    }

    // MARK: the remembered verdicts

    /// Where the verdict for (module contents, signature, encoder, precision) is kept, or nil without a cache folder.
    static func cacheFile(module: GraphModule, signature: String, encoder: EncoderArchitecture, precision: Precision)
        throws -> URL?
    {
        guard let folder = try Environment.current.get().cacheDirectory else { return nil }
        // The index lists every variable with its checksum, so it identifies the data files too.
        var bytes: [UInt8] = []
        for file in ["saved_model.pb", "variables/variables.index"] {
            bytes += (try? FileBytes.read(module.url.appendingPathComponent(file))).map { [UInt8]($0) } ?? []
        }
        // A rebuilt tool may judge differently: its executable's size and modification time are part of the key.
        let tool = Bundle.main.executablePath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0) }
        let build = "\(tool?[.size] ?? 0)|\((tool?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        bytes += Array("\(signature)|\(encoder)|\(precision.rawValue)|\(build)|verdict v1".utf8)
        return folder.appendingPathComponent("verify").appendingPathComponent(SHA256.hexDigest(bytes) + ".json")
    }

    /// The remembered verdict, or a fresh one (then remembered).
    static func remembered(
        _ signature: String, module: GraphModule, weightsPath: String, encoder: EncoderArchitecture,
        backend: any Backend, precision: Precision
    ) throws -> SignatureVerdict {
        let file = try cacheFile(module: module, signature: signature, encoder: encoder, precision: precision)
        if let file, let data = try? Data(contentsOf: file),
            let verdict = try? JSONDecoder().decode(SignatureVerdict.self, from: data), verdict.signature == signature
        {
            return verdict
        }
        Console.note("verifying the native \(signature) against the module's graph (once per module)…")
        let verdict = try verify(
            signature, module: module, weightsPath: weightsPath, encoder: encoder, backend: backend,
            precision: precision)
        if let file { remember(verdict, in: file) }
        return verdict
    }

    /// Writes `verdict` to `file` atomically; a cache that cannot be written only costs a later re-verification.
    static func remember(_ verdict: SignatureVerdict, in file: URL) {
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let data = try JSONEncoder().encode(verdict)
            try AtomicFile.write(to: file) { try $0.append([UInt8](data)) }
        } catch {
            Console.note("could not remember the verification in \(file.path): \(error)")
        }
    }
}
