import ArgumentParser
import BigBiGAN
import Foundation
import Tensors

/// `bigbigan parity`: runs a model on the CPU reference and on a Vulkan device with the same weights and
/// inputs, compares every named layer, and reports the first one that diverges beyond tolerance.
struct ParityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity",
        abstract: "Compare a model layer by layer on the CPU reference and a Vulkan device."
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Batch size.") var batch = 1
    @Option(help: "Seed for inputs (and for synthetic weights).") var seed: UInt64 = 0
    @Option(help: "Largest acceptable normalised MSE per layer.") var nmse = 1e-8
    @Option(help: "Largest acceptable absolute error per element.") var absolute: Float = 1e-3

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        try OptionLimits.check(batch, "--batch", in: OptionLimits.batch)
        guard deviceOptions.choice?.lowercased() != "cpu" else {
            throw ValidationError("parity compares against a Vulkan device; choose one with --device")
        }
    }

    func run() throws {
        let vulkan = try Backends.make(device: deviceOptions.choice, precision: precisionOptions.precision)
        let cpu = CPUBackend()
        let source = try modelOptions.weightSource()
        for backend: any Backend in [cpu, vulkan] {
            try modelOptions.checkMemory("parity", source: source, batch: batch, on: backend)
        }
        print(
            "parity: \(try modelOptions.describe()) batch \(batch), CPU reference vs \(vulkan.name) (\(precisionOptions.precision.rawValue))"
        )
        let weights = try modelOptions.modelWeights()
        // With the graph engine the compared "layers" are the signature's outputs.
        let module = try modelOptions.graphModule(backend: vulkan, precision: precisionOptions.precision)
        let reference = try modelOptions.runLayers(on: cpu, weights: weights, module: module, batch: batch, seed: seed)
        let device = try modelOptions.runLayers(
            on: vulkan, weights: weights, module: module, batch: batch, seed: seed)
        var firstBad: String?
        print(
            "layer".padding(toLength: 22, withPad: " ", startingAt: 0)
                + " shape                max abs     max rel     NMSE")
        for ((name, expected), (_, actual)) in zip(reference, device) {
            let e = ErrorStatistics(actual: actual.data, expected: expected.data)
            let bad = !(e.maxAbsolute <= absolute && e.nmse <= nmse)
            if bad, firstBad == nil { firstBad = name }
            print(
                name.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                    + expected.shape.description.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %.3e   %.3e   %.3e", e.maxAbsolute, e.maxRelative, e.nmse)
                    + (bad ? "  ← diverges" : ""))
        }
        if let firstBad {
            print("first divergence: \(firstBad) (tolerance: abs ≤ \(absolute), NMSE ≤ \(nmse))")
            throw ExitCode(1)
        }
        print("all \(reference.count) layers agree (abs ≤ \(absolute), NMSE ≤ \(nmse))")
    }
}
