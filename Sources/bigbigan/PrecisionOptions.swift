import ArgumentParser
import Tensors

/// The `--precision` option of commands that run a model on a backend.
struct PrecisionOptions: ParsableArguments {
    @Option(
        help:
            "Tensor storage on the Vulkan device: fp32, or fp16 (half storage, fp32 arithmetic; needs 16-bit storage buffer access). The CPU reference is fp32 only."
    )
    var precision: Precision = .fp32

    /// Rejects fp16 with the CPU reference before any work starts.
    func validate(for device: DeviceOptions) throws {
        if precision != .fp32, device.choice?.lowercased() == "cpu" {
            throw ValidationError(
                "--precision \(precision.rawValue) needs a Vulkan device; the CPU reference (--device cpu) is fp32 only"
            )
        }
    }
}

extension Precision: ExpressibleByArgument {}
