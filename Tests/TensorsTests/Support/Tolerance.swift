import Tensors
@testable import TensorsVulkan
import TestSupport
import Testing
import VulkanCompute

/// A parity criterion: every element within `absolute + relative·|expected|` (numpy's allclose), and the
/// normalised mean squared error Σ(a−e)²/Σe² at most `nmse`. Each test states why its numbers are what they are.
struct Tolerance: CustomStringConvertible {
    var absolute: Float
    var relative: Float
    var nmse: Double

    var description: String { "abs \(absolute) + rel \(relative), NMSE ≤ \(nmse)" }

    /// Exact agreement: for ops that only move or select values.
    static let exact = Tolerance(absolute: 0, relative: 0, nmse: 0)
}

/// Error measurements between two arrays.
struct ErrorReport: CustomStringConvertible {
    var maxAbsolute: Float = 0
    var maxRelative: Float = 0
    var nmse: Double = 0
    var worstIndex = -1
    var violations = 0
    var nonFinite = 0

    var description: String {
        "max abs \(maxAbsolute), max rel \(maxRelative), NMSE \(nmse), \(violations) element(s) outside, \(nonFinite) non-finite, worst at \(worstIndex)"
    }
}

func compare(_ actual: [Float], _ expected: [Float], _ tolerance: Tolerance) -> ErrorReport {
    var report = ErrorReport()
    var errorSum = 0.0, signalSum = 0.0
    for i in expected.indices {
        let a = actual[i], e = expected[i]
        guard a.isFinite == e.isFinite else { report.nonFinite += 1; continue }
        let diff = abs(a - e)
        errorSum += Double(diff) * Double(diff)
        signalSum += Double(e) * Double(e)
        if diff > report.maxAbsolute { report.maxAbsolute = diff; report.worstIndex = i }
        if e != 0 { report.maxRelative = max(report.maxRelative, diff / abs(e)) }
        if diff > tolerance.absolute + tolerance.relative * abs(e) { report.violations += 1 }
    }
    report.nmse = signalSum > 0 ? errorSum / signalSum : errorSum
    return report
}

/// Expects `actual` to match `expected` in shape and within `tolerance`.
func expectClose(_ actual: HostTensor, _ expected: HostTensor, _ tolerance: Tolerance, _ context: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "shape \(actual.shape) vs \(expected.shape) \(context)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let report = compare(actual.data, expected.data, tolerance)
    #expect(report.violations == 0 && report.nonFinite == 0 && report.nmse <= tolerance.nmse,
            "\(context): \(report); tolerance \(tolerance)", sourceLocation: sourceLocation)
}

/// Runs `op` on the CPU reference and on Vulkan with the same inputs and compares the results.
/// `inputs` are uploaded to each backend and passed to `op` in order.
func expectParity(_ inputs: [HostTensor], _ tolerance: Tolerance, _ context: String = "",
                  sourceLocation: SourceLocation = #_sourceLocation, configure: (VulkanBackend) -> Void = { _ in },
                  _ op: (any Backend, [Tensor]) throws -> Tensor) throws {
    let cpu = CPUBackend()
    let gpu = try TestDevice.vulkan()
    configure(gpu)
    let expected = try cpu.download(op(cpu, inputs.map { try cpu.upload($0) }))
    let actual = try gpu.download(op(gpu, inputs.map { try gpu.upload($0) }))
    expectClose(actual, expected, tolerance, context, sourceLocation: sourceLocation)
}
