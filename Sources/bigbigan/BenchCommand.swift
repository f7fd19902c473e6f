import ArgumentParser
import BigBiGAN
import Foundation
import Tensors
import TensorsVulkan
import VulkanCompute

/// `bigbigan bench`: GPU time from timestamps, end-to-end time, images/s, GFLOP/s and the fraction of
/// the device's measured peak, per batch size, plus a per-op breakdown. FLOPs are those the forward's dispatches
/// declare (`CommandTiming.flops`); Winograd products declare the direct convolution's, so GFLOP/s are "effective"
/// and comparable with Winograd on or off.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a model on a Vulkan device (GPU timestamps, images/s, GFLOP/s, fraction of peak)."
    )

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var precisionOptions: PrecisionOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Comma-separated batch sizes.") var batch = "1,4"
    @Option(help: "Timed iterations per batch size.") var iterations = 5
    @Option(help: "Untimed warm-up iterations per batch size.") var warmup = 2
    @Flag(help: "Also time the CPU reference backend at batch 1, for a ratio.") var cpuReference = false
    @Flag(help: "Skip the peak probe.") var noProbe = false
    @Flag(help: "Print JSON instead of tables.") var json = false

    /// The batch sizes of `--batch`, each checked against `OptionLimits.batch`.
    var batches: [Int] {
        get throws {
            let sizes = try batch.split(separator: ",", omittingEmptySubsequences: false).map { text -> Int in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                guard let size = Int(trimmed) else {
                    throw ValidationError("--batch must list batch sizes such as 1,4; '\(trimmed)' is not one")
                }
                try OptionLimits.check(size, "each --batch size", in: OptionLimits.batch)
                return size
            }
            return sizes
        }
    }

    func validate() throws {
        try precisionOptions.validate(for: deviceOptions)
        _ = try batches
        try OptionLimits.check(iterations, "--iterations", in: OptionLimits.iterations)
        try OptionLimits.check(warmup, "--warmup", in: 0 ... OptionLimits.iterations.upperBound)
        guard deviceOptions.choice?.lowercased() != "cpu" else {
            throw ValidationError("bench measures a Vulkan device; use --cpu-reference for the CPU ratio")
        }
    }

    func run() throws {
        let batches = try batches
        let clock = ContinuousClock()
        let started = clock.now
        let backend = try Backends.vulkan(
            device: deviceOptions.choice, timing: true, precision: precisionOptions.precision)
        let context = backend.context
        let deviceReady = clock.now
        try modelOptions.checkMemory(
            "bench", source: modelOptions.weightSource(), batch: batches.max() ?? 1, on: backend)
        let weights = try modelOptions.modelWeights()
        let module = try modelOptions.graphModule(backend: backend, precision: precisionOptions.precision)
        let runner = try modelOptions.benchRunner(on: backend, weights: weights, module: module)
        try backend.synchronize()
        let weightsReady = clock.now
        // The first forward compiles every pipeline (from the SPIR-V and pipeline caches when warm).
        let pipelineSecondsBefore = context.pipelineCreationSeconds
        try runner.run(batches[0], 0)
        let firstForward = clock.now
        let flopsPerImage = backend.lastTimings.reduce(0) { $0 + $1.flops } / Double(batches[0])
        let startup = Startup(
            deviceMs: (deviceReady - started).milliseconds, weightsMs: (weightsReady - deviceReady).milliseconds,
            pipelinesMs: (context.pipelineCreationSeconds - pipelineSecondsBefore) * 1e3,
            firstForwardMs: (firstForward - weightsReady).milliseconds)
        let probe = noProbe ? nil : try PeakProbe.measure(context: context)
        var results: [BenchResult] = []
        for b in batches {
            var wall: [Double] = []
            var gpu: [Double] = []
            var perOp: [String: OpTotals] = [:]
            var timedStart = backend.resourceCounters
            for i in 0 ..< warmup + iterations {
                if i == warmup { timedStart = backend.resourceCounters }
                let start = DispatchTime.now().uptimeNanoseconds
                try runner.run(b, UInt64(i))
                let end = DispatchTime.now().uptimeNanoseconds
                guard i >= warmup else { continue }
                wall.append(Double(end - start) / 1e6)
                gpu.append(backend.lastTimings.reduce(0) { $0 + $1.nanoseconds } / 1e6)
                for t in backend.lastTimings {
                    perOp[Self.family(t.label), default: OpTotals()].add(t, weight: 1 / Double(iterations))
                }
            }
            let flops = perOp.values.reduce(0) { $0 + $1.flops }  // per forward, as the per-op totals are
            let gpuMedian = median(gpu)
            let gflops = flops / (gpuMedian * 1e6)
            results.append(
                BenchResult(
                    batch: b, imagesPerSecond: Double(b) / (median(wall) / 1e3),
                    gpuMsMin: gpu.min() ?? 0, gpuMsMedian: gpuMedian, gpuMsMax: gpu.max() ?? 0,
                    wallMsMedian: median(wall),
                    gflopsPerSecond: gflops, peakFraction: probe.map { gflops / $0.gflops },
                    deviceMemoryMib: Double(backend.memoryUsage.reserved) / Double(1 << 20),
                    steadyState: SteadyState(backend.resourceCounters - timedStart, iterations: iterations),
                    perOp: perOp))
        }
        var cpuImagesPerSecond: Double?
        if cpuReference {
            let cpuRunner = try modelOptions.benchRunner(on: CPUBackend(), weights: weights, module: module)
            let start = DispatchTime.now().uptimeNanoseconds
            try cpuRunner.run(1, 0)
            cpuImagesPerSecond = 1e9 / Double(DispatchTime.now().uptimeNanoseconds - start)
        }
        let report = BenchReport(
            model: runner.name, device: context.physicalDevice.name, precision: precisionOptions.precision.rawValue,
            peakGflops: probe?.gflops, peakGbPerSecond: probe?.gigabytesPerSecond,
            flopsPerImage: flopsPerImage, weights: try modelOptions.describe(),
            cpuReferenceImagesPerSecond: cpuImagesPerSecond, startup: startup, results: results)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase  // images_per_second, …: the keys scripts already read
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printTables(report)
        }
    }

    /// Groups dispatch labels by op family (the text before the first space).
    static func family(_ label: String) -> String { String(label.split(separator: " ").first ?? Substring(label)) }

    private func printTables(_ r: BenchReport) {
        print("device: \(r.device); model: \(r.model); precision: \(r.precision); \(r.weights)")
        print(String(format: "%.2f GFLOP per image", r.flopsPerImage / 1e9))
        print(
            String(
                format:
                    "start-up: device %.0f ms, weights %.0f ms, pipelines %.0f ms (cold start %.0f ms); first forward at batch %d %.0f ms",
                r.startup.deviceMs, r.startup.weightsMs, r.startup.pipelinesMs, r.startup.coldStartMs,
                r.results.first?.batch ?? 0, r.startup.firstForwardMs))
        if let p = r.peakGflops, let bw = r.peakGbPerSecond {
            print(String(format: "measured peak: %.1f GFLOP/s fp32 FMA, %.1f GB/s shader copy", p, bw))
        }
        print("batch  images/s   GPU ms (min/median/max)      wall ms   GFLOP/s   of peak   memory")
        for x in r.results {
            let ofPeak = x.peakFraction.map { String(format: "%5.1f%%", $0 * 100) } ?? "    –"
            print(
                String(
                    format: "%5d  %8.2f   %7.2f / %7.2f / %7.2f   %8.2f   %7.1f   ", x.batch, x.imagesPerSecond,
                    x.gpuMsMin, x.gpuMsMedian, x.gpuMsMax, x.wallMsMedian, x.gflopsPerSecond)
                    + ofPeak + String(format: "   %.0f MiB", x.deviceMemoryMib))
        }
        print(
            "steady state over the timed forwards: new memory blocks, pipelines, descriptor pools; submissions and host waits per forward"
        )
        for x in r.results {
            let s = x.steadyState
            print(
                String(
                    format: "%5d  %d blocks, %d pipelines, %d pools; %.2f submissions, %.2f waits", x.batch,
                    s.memoryBlocksAllocated,
                    s.pipelinesCreated, s.descriptorPoolsCreated, s.submissionsPerForward, s.hostWaitsPerForward))
        }
        if let last = r.results.last {
            let total = last.perOp.values.reduce(0) { $0 + $1.ms }
            print("per op at batch \(last.batch), per forward:     GPU ms   share   GFLOP/s    GB/s")
            for (op, t) in last.perOp.sorted(by: { $0.value.ms > $1.value.ms }) {
                let gflops = t.flops > 0 ? String(format: "%9.1f", t.flops / (t.ms * 1e6)) : "        –"
                print(
                    "  " + op.padding(toLength: 24, withPad: " ", startingAt: 0)
                        + String(format: " %10.3f  %5.1f%%  ", t.ms, total > 0 ? t.ms / total * 100 : 0) + gflops
                        + String(format: "  %6.1f", t.bytes / (t.ms * 1e6)))
            }
            if last.perOp.keys.contains(where: { $0.hasPrefix("conv2d_winograd") }) {
                print(
                    "  (conv2d_winograd.product is credited with the direct convolution's FLOPs: effective GFLOP/s, 4× its own)"
                )
            }
        }
        if let cpu = r.cpuReferenceImagesPerSecond, let first = r.results.first {
            print(
                String(
                    format: "CPU reference: %.3f images/s at batch 1; Vulkan/CPU = %.1f×", cpu,
                    first.imagesPerSecond / cpu))
        }
    }
}

struct BenchResult: Encodable {
    let batch: Int
    let imagesPerSecond: Double
    let gpuMsMin: Double, gpuMsMedian: Double, gpuMsMax: Double
    let wallMsMedian: Double
    let gflopsPerSecond: Double
    let peakFraction: Double?
    let deviceMemoryMib: Double
    let steadyState: SteadyState
    let perOp: [String: OpTotals]
}

/// What the timed forwards did besides computing: allocations and pipelines created (0 once warm) and
/// submissions and host waits per forward (1: the download).
struct SteadyState: Encodable {
    let memoryBlocksAllocated: Int, pipelinesCreated: Int, descriptorPoolsCreated: Int
    let submissionsPerForward: Double, hostWaitsPerForward: Double

    init(_ counters: ResourceCounters, iterations: Int) {
        memoryBlocksAllocated = counters.memoryBlocksAllocated
        pipelinesCreated = counters.pipelinesCreated
        descriptorPoolsCreated = counters.descriptorPoolsCreated
        submissionsPerForward = Double(counters.submissions) / Double(iterations)
        hostWaitsPerForward = Double(counters.hostWaits) / Double(iterations)
    }
}

/// One op family's GPU time, declared FLOPs and bound bytes per forward pass.
struct OpTotals: Encodable {
    var ms = 0.0, flops = 0.0, bytes = 0.0

    mutating func add(_ t: CommandTiming, weight: Double) {
        ms += t.nanoseconds / 1e6 * weight
        flops += t.flops * weight
        bytes += t.bytes * weight
    }
}

struct BenchReport: Encodable {
    let model: String, device: String, precision: String
    let peakGflops: Double?, peakGbPerSecond: Double?
    let flopsPerImage: Double
    let weights: String
    let cpuReferenceImagesPerSecond: Double?
    let startup: Startup
    let results: [BenchResult]
}

/// Cold-start costs: device creation, weights (read or synthesised, and uploaded), the pipelines the first forward
/// pass creates, and that whole first forward (pipelines included); `coldStartMs` is what an application pays
/// before its first forward can run: device + weights + pipelines.
struct Startup: Encodable {
    let deviceMs: Double, weightsMs: Double, pipelinesMs: Double, firstForwardMs: Double, coldStartMs: Double

    init(deviceMs: Double, weightsMs: Double, pipelinesMs: Double, firstForwardMs: Double) {
        self.deviceMs = deviceMs
        self.weightsMs = weightsMs
        self.pipelinesMs = pipelinesMs
        self.firstForwardMs = firstForwardMs
        coldStartMs = deviceMs + weightsMs + pipelinesMs
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1e3 + Double(components.attoseconds) * 1e-15 }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
