import Tensors
import TestSupport
import Testing
import VulkanCompute

@testable import TensorsVulkan

/// Winograd F(4×4, 3×3) (`conv2d_winograd_*.comp`): when it is chosen, and that it matches the reference.
/// The shape-by-shape parity over odd sizes, padding, upsampling and epilogues is in `Conv2DTests.parity`
/// (the `.winograd` column).
@Suite("conv2d winograd")
struct Conv2DWinogradTests {
    /// Runs one convolution on a timed backend and returns the labels of its dispatches.
    private func labels(_ input: Shape, cout: Int, stride: Int = 1, kernel: Int = 3, choice: WinogradChoice) throws
        -> Set<String>
    {
        var rng = SeededRandom(seed: 3)
        let gpu = try TestDevice.vulkan(.init(timing: true))
        gpu.winogradChoice = choice
        let x = try gpu.upload(rng.normalTensor(input))
        let w = try gpu.upload(rng.normalTensor([kernel, kernel, input[3], cout], standardDeviation: 0.1))
        _ = try gpu.download(gpu.conv2d(x, weight: w, bias: nil, residual: nil, options: Conv2DOptions(stride: stride)))
        return Set(gpu.lastTimings.map(\.label))
    }

    @Test func chosenForWideStride1ThreeByThree() throws {
        let winograd: Set = [
            "conv2d_winograd.weights", "conv2d_winograd.input", "conv2d_winograd.product", "conv2d_winograd.output",
        ]
        #expect(try labels([1, 8, 8, 16], cout: 16, choice: .automatic).isSuperset(of: winograd))
        #expect(try labels([1, 8, 8, 8], cout: 16, choice: .automatic).isDisjoint(with: winograd))  // too narrow
        #expect(try labels([1, 8, 8, 3], cout: 5, choice: .always).isSuperset(of: winograd))
        #expect(try labels([1, 8, 8, 16], cout: 16, stride: 2, choice: .always).isDisjoint(with: winograd))
        #expect(try labels([1, 8, 8, 16], cout: 16, kernel: 5, choice: .always).isDisjoint(with: winograd))
        #expect(try labels([1, 8, 8, 16], cout: 16, choice: .never).isDisjoint(with: winograd))
    }

    /// A batch split into several passes by a small workspace computes each sample exactly as one pass does
    /// (the same products in the same order), with either product kernel.
    @Test(arguments: [KernelChoice.direct, .tiledGEMM])
    func passesOverTheBatchMatchOnePass(product: KernelChoice) throws {
        var rng = SeededRandom(seed: 11)
        let x = rng.normalTensor([5, 9, 7, 12])
        let w = rng.normalTensor([3, 3, 12, 20], standardDeviation: 0.1)
        let r = rng.normalTensor([5, 18, 14, 20])
        var results: [HostTensor] = []
        for budget in [256 << 20, 40_000] {
            let gpu = try TestDevice.vulkan(.init(timing: true))
            gpu.winogradChoice = .always
            gpu.kernelChoice = product
            gpu.winogradWorkspaceBytes = budget  // 40 kB holds one sample's 2×3·36·(12+20)·4 = 27.6 kB
            let y = try gpu.conv2d(
                gpu.upload(x), weight: gpu.upload(w), bias: nil, residual: gpu.upload(r),
                options: Conv2DOptions(activation: .relu, inputUpsampling: 2))
            results.append(try gpu.download(y))
            let passes = gpu.lastTimings.filter { $0.label == "conv2d_winograd.input" }.count
            #expect(passes == (budget == 40_000 ? 5 : 1))
        }
        expectClose(results[1], results[0], .exact, "5 passes vs 1, \(product)")
    }

    /// BigGAN-sized layers (GBlock conv0 with fused upsampling, conv1 with the residual) against the direct
    /// reference, within the conv tolerance at the layer's K. Winograd's transforms add rounding (values scaled by up
    /// to 8 and 1/24 around the product): measured on lavapipe at K = 1152, max abs 3.2e-5 and NMSE 3.2e-12 against
    /// 0 and 0 for the direct kernel (bound 2.7e-4 and 1e-11).
    @Test(arguments: [false, true], [KernelChoice.direct, .tiledGEMM])
    func parityAtGeneratorWidths(upsample: Bool, product: KernelChoice) throws {
        var rng = SeededRandom(seed: upsample ? 21 : 22)
        let cin = 128
        let cout = 64
        let k = 9 * cin
        let input: Shape = upsample ? [2, 4, 4, cin] : [2, 8, 8, cin]
        let inputs = [
            rng.normalTensor(input), rng.normalTensor([3, 3, cin, cout], standardDeviation: 1 / Float(k).squareRoot()),
            rng.normalTensor([2, 8, 8, cout]),
        ]
        try expectParity(
            inputs, Conv2DTests.tolerance(k: k),
            configure: {
                $0.kernelChoice = product
                $0.winogradChoice = .automatic
            }
        ) { b, t in
            try b.conv2d(
                t[0], weight: t[1], bias: nil, residual: t[2], options: Conv2DOptions(inputUpsampling: upsample ? 2 : 1)
            )
        }
    }
}

@Suite("conv2d winograd filter cache")
struct WinogradFilterCacheTests {
    private func weightsDispatches(_ gpu: VulkanBackend) -> Int {
        gpu.lastTimings.filter { $0.label == "conv2d_winograd.weights" }.count
    }

    /// The filter is transformed by the first convolution with a weight tensor only, and the cached transform gives
    /// identical results; without the cache every call transforms it.
    @Test(arguments: [true, false])
    func transformsOncePerWeight(caching: Bool) throws {
        var rng = SeededRandom(seed: 5)
        let gpu = try TestDevice.vulkan(.init(timing: true))
        gpu.cachesWinogradFilters = caching
        let x = try gpu.upload(rng.normalTensor([1, 8, 8, 16]))
        let w = try gpu.upload(rng.normalTensor([3, 3, 16, 16], standardDeviation: 0.1))
        var outputs: [HostTensor] = []
        for _ in 0 ..< 2 {
            outputs.append(
                try gpu.download(gpu.conv2d(x, weight: w, bias: nil, residual: nil, options: Conv2DOptions())))
            #expect(weightsDispatches(gpu) == (caching && outputs.count == 2 ? 0 : 1))
        }
        expectClose(outputs[1], outputs[0], .exact, "second call")
    }

    /// A freed weight's filter is dropped, and new weights (which may reuse the freed memory) get their own.
    @Test func newWeightsAreNotServedAStaleFilter() throws {
        var rng = SeededRandom(seed: 6)
        let gpu = try TestDevice.vulkan(.init(timing: true))
        let xHost = rng.normalTensor([1, 8, 8, 16])
        let x = try gpu.upload(xHost)
        for seed in 0 ..< 3 {
            let wHost = rng.normalTensor([3, 3, 16, 16], standardDeviation: 0.1)
            let y = try gpu.download(
                gpu.conv2d(x, weight: gpu.upload(wHost), bias: nil, residual: nil, options: Conv2DOptions()))
            #expect(weightsDispatches(gpu) == 1, "weights \(seed)")
            let cpu = CPUBackend()
            let expected = try cpu.download(
                cpu.conv2d(
                    cpu.upload(xHost), weight: cpu.upload(wHost), bias: nil, residual: nil, options: Conv2DOptions()))
            expectClose(y, expected, Conv2DTests.tolerance(k: 144), "weights \(seed)")
        }
        #expect(gpu.winogradFilterCount <= 1)
    }
}

@Suite("conv2d winograd fp16")
struct WinogradHalfStorageTests {
    /// With fp16 storage Winograd is opt-in (`.always`): its transformed tiles and products are stored as half too,
    /// each rounding scaled by the transforms' coefficients (up to 8), which is why it is off by default there.
    /// Against the reference on half-rounded inputs (outputs O(1–3)), measured on lavapipe at K = 216 and 576 with
    /// vec4 and scalar transforms: max abs 0.065 and 0.045, NMSE 6.4e-6 and 1.1e-5; bound 0.2 absolute and NMSE 5e-5
    /// (3× and 4.5×), against 2.4e-7 for a direct fp16 convolution.
    @Test(arguments: [
        Conv2DTests.Case(input: [1, 17, 19, 24], kernel: 3, cout: 64, residual: true, relu: true),
        Conv2DTests.Case(input: [2, 6, 5, 64], kernel: 3, cout: 18, bias: true, upsample: true),
    ])
    func halfStorageAlways(c: Conv2DTests.Case) throws {
        let inputs = try c.inputs(seed: 41)
        let cpu = CPUBackend()
        let expected = try cpu.download(c.apply(cpu, inputs.map { try cpu.upload($0.roundedToHalf) }))
        let gpu = try TestDevice.vulkan(.init(precision: .fp16, timing: true))
        gpu.winogradChoice = .always
        let actual = try gpu.download(c.apply(gpu, inputs.map { try gpu.upload($0) }))
        #expect(gpu.lastTimings.contains { $0.label == "conv2d_winograd.product" })
        expectClose(actual, expected, Tolerance(absolute: 0.2, relative: 0, nmse: 5e-5), c.testDescription)
    }
}
