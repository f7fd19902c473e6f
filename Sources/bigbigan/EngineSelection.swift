import BigBiGAN
import Foundation
import GraphEngine
import Tensors

/// Resolves `--engine` for one signature: nil means the native model, a module means its graph.
enum EngineSelection {
    /// The module folder `weights` names, if it has a `saved_model.pb`.
    static func moduleFolder(_ weights: String?) -> URL? {
        guard let weights else { return nil }
        let url = URL(fileURLWithPath: weights)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue,
            FileManager.default.fileExists(atPath: url.appendingPathComponent("saved_model.pb").path)
        else { return nil }
        return url
    }

    /// The module to run `signature` through as a graph, or nil to run it natively. `auto` verifies a module
    /// folder once (`ModuleVerification.remembered`) and says on stderr which engine it chose and why.
    static func choose(
        _ engine: Engine, signature: String, weights: String?, encoder: EncoderArchitecture = .resnet50,
        backend: any Backend, precision: Precision
    ) throws -> GraphModule? {
        switch engine {
        case .native:
            return nil
        case .graph:
            guard let folder = moduleFolder(weights) else {
                throw CommandFailure(
                    "--engine graph runs a module's own graph: --weights must be a module folder with saved_model.pb"
                        + (weights.map { ", not \($0)" } ?? ""))
            }
            return try GraphModule(url: folder)
        case .auto:
            guard let folder = moduleFolder(weights), let weights else { return nil }
            let module = try GraphModule(url: folder)
            let verdict = try ModuleVerification.remembered(
                signature, module: module, weightsPath: weights, encoder: encoder, backend: backend,
                precision: precision)
            if verdict.agrees {
                let worst = verdict.outputs.map { $0.maxAbsolute / max($0.range, 1e-12) }.max() ?? 0
                Console.note(
                    String(
                        format: "engine: native %@ (agrees with the module's graph: worst error %.1e of range)",
                        signature, worst))
                return nil
            }
            let why =
                verdict.nativeProblem.map {
                    "the native model cannot load it: \(Self.firstLine($0)); `bigbigan verify` lists all"
                }
                ?? "the native model disagrees on "
                + verdict.outputs.filter { !$0.agrees }.map(\.key).joined(separator: ", ")
            Console.note("engine: graph \(signature) (\(why))")
            return module
        }
    }

    private static func firstLine(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return (lines.first.map(String.init) ?? "") + (lines.count > 1 ? " …" : "")
    }
}
