import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

/// A parity criterion: every element within `absolute + relative·|expected|` (numpy's allclose), and the
/// normalised mean squared error Σ(a−e)²/Σe² at most `nmse`. Each test states why its numbers are what they are.
struct Tolerance: CustomStringConvertible {
    var absolute: Float
    var relative: Float
    var nmse: Double

    var description: String { "abs \(absolute) + rel \(relative), NMSE ≤ \(nmse)" }

    /// Exact agreement: for ops that only move or select values, or round one correctly rounded operation alike.
    static let exact = Tolerance(absolute: 0, relative: 0, nmse: 0)

    /// One fp32 ulp relative to a value: an ulp of v is at most 2⁻²³·|v|.
    static let ulp: Float = 0x1p-23

    /// For a device result within `n` ulp of the exact value (a bound from the Vulkan specification's table in
    /// "Precision and Operation of SPIR-V Instructions") against a reference within half an ulp of it: relative
    /// (n + 1) ulp, n + 1/2 for the two errors and 1/2 for measuring against the rounded reference instead of the
    /// exact value. Every element within it bounds the NMSE by its square.
    static func ulps(_ n: Float) -> Tolerance {
        let relative = (n + 1) * ulp
        return Tolerance(absolute: 0, relative: relative, nmse: Double(relative) * Double(relative))
    }
}

extension Tolerance {
    /// This tolerance with the NMSE bound its element bounds give for `expected`, Σ(abs + rel·|e|)² / Σe²: for
    /// bounds with an absolute part, where a fixed NMSE would depend on how small the expected values are.
    func withImpliedNMSE(for expected: [Float]) -> Tolerance {
        var (bound, reference) = (0.0, 0.0)
        for e in expected.map(Double.init) {
            bound += (Double(absolute) + Double(relative) * abs(e)) * (Double(absolute) + Double(relative) * abs(e))
            reference += e * e
        }
        return Tolerance(absolute: absolute, relative: relative, nmse: reference > 0 ? bound / reference : bound)
    }

    /// Elements outside `absolute + relative·|expected|`, a NaN or infinity on either side included.
    func elementsOutside(_ actual: [Float], _ expected: [Float]) -> Int {
        zip(actual, expected).reduce(0) { count, pair in
            let (a, e) = pair
            return abs(a - e) <= absolute + relative * abs(e) ? count : count + 1
        }
    }
}

/// Expects `actual` to match `expected` in shape and within `tolerance`.
func expectClose(
    _ actual: HostTensor, _ expected: HostTensor, _ tolerance: Tolerance, _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "shape \(actual.shape) vs \(expected.shape) \(context)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    // Non-finite elements make the NMSE infinite (see `ErrorStatistics`), so the NMSE bound rejects them too.
    let statistics = ErrorStatistics(actual: actual.data, expected: expected.data)
    let outside = tolerance.elementsOutside(actual.data, expected.data)
    #expect(
        outside == 0 && statistics.nmse <= tolerance.nmse,
        "\(context): \(statistics), \(outside) element(s) outside; tolerance \(tolerance)",
        sourceLocation: sourceLocation)
}

/// Runs `op` on the CPU reference and on Vulkan with the same inputs and compares the results.
/// `inputs` are uploaded to each backend and passed to `op` in order.
func expectParity(
    _ inputs: [HostTensor], _ tolerance: Tolerance, _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation, configure: (VulkanBackend) -> Void = { _ in },
    _ op: (any Backend, [Tensor]) throws -> Tensor
) throws {
    let cpu = CPUBackend()
    let gpu = try TestDevice.vulkan()
    configure(gpu)
    let expected = try cpu.download(op(cpu, inputs.map { try cpu.upload($0) }))
    let actual = try gpu.download(op(gpu, inputs.map { try gpu.upload($0) }))
    expectClose(actual, expected, tolerance, context, sourceLocation: sourceLocation)
}
