import ArgumentParser
import BigBiGAN
import Foundation
import GraphEngine
import Tensors

/// `bigbigan verify`: runs the native models and the module's own graph on the same seeded batch and reports, per
/// signature and output, how far apart they are.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the native models against a module's own TensorFlow graph.",
        discussion: """
            Runs `generate` and `encode` both ways on \(ModuleVerification.samples) seeded samples and compares every \
            output: an output agrees when its largest absolute difference is at most 1e-3 of the graph output's range \
            (2e-2 with --precision fp16). Exits 1 when any output disagrees or the native model cannot load the \
            module. The verdict is remembered in the cache folder, where --engine auto finds it.
            Example:
              bigbigan verify --weights bigbigan-resnet50/
            """
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions

    @Option(help: "The TF-Hub module folder (with saved_model.pb).") var weights: String
    @Option(help: "Signature to verify (repeatable; default: those of generate and encode the module has).")
    var signature: [String] = []
    @Option(help: "The native encoder to compare: resnet50 or revnet50x4.")
    var encoder: EncodeCommand.EncoderChoice = .resnet50

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        for name in signature where !ModuleVerification.nativeSignatures.contains(name) {
            throw ValidationError(
                "--signature \(name): the native models implement "
                    + ModuleVerification.nativeSignatures.joined(separator: " and "))
        }
    }

    func run() throws {
        guard let folder = EngineSelection.moduleFolder(weights) else {
            throw CommandFailure("\(weights): not a module folder with saved_model.pb")
        }
        let module = try GraphModule(url: folder)
        let names =
            signature.isEmpty
            ? ModuleVerification.nativeSignatures.filter(module.signatureNames.contains) : signature
        guard !names.isEmpty else {
            throw CommandFailure(
                "\(weights) has no generate or encode signature (it has \(module.signatureNames.joined(separator: ", ")))"
            )
        }
        let backend = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let architecture: EncoderArchitecture = encoder == .resnet50 ? .resnet50 : .revnet50x4
        print("verify: \(weights), native vs graph on \(backend.name) (\(precisionOptions.precision.rawValue))")
        var allAgree = true
        for name in names {
            let verdict = try ModuleVerification.verify(
                name, module: module, weightsPath: weights, encoder: architecture, backend: backend,
                precision: precisionOptions.precision)
            if let file = try ModuleVerification.cacheFile(
                module: module, signature: name, encoder: architecture, precision: precisionOptions.precision)
            {
                ModuleVerification.remember(verdict, in: file)
            }
            Self.report(verdict)
            allAgree = allAgree && verdict.agrees
        }
        guard allAgree else { throw ExitCode(1) }
    }

    static func report(_ verdict: SignatureVerdict) {
        if let problem = verdict.nativeProblem {
            // A missing-weights list can run to hundreds of lines: its first few say enough.
            let lines = problem.split(separator: "\n")
            let shown =
                lines.prefix(4).joined(separator: "\n    ") + (lines.count > 4 ? "\n    … \(lines.count - 4) more" : "")
            print("\(verdict.signature): DISAGREES: the native model cannot run this module:\n    \(shown)")
            return
        }
        print("\(verdict.signature):")
        print("  output           shape                max abs     max rel     range       tolerance   verdict")
        for o in verdict.outputs {
            print(
                "  " + o.key.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                    + o.shape.description.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(
                        format: " %.3e   %.3e   %.3e   %.3e   %@", o.maxAbsolute, o.maxRelative, o.range, o.tolerance,
                        o.agrees ? "agrees" : "DISAGREES"))
        }
        print("  \(verdict.signature): \(verdict.agrees ? "native agrees with the graph" : "DISAGREES")")
    }
}
