/// Measures a device's fp32 FMA throughput and memory bandwidth with `Shaders/peak.comp`, so benchmark
/// figures can be given as a fraction of what this device actually does.
public struct PeakProbe: Sendable {
    /// Best fp32 throughput seen, in GFLOP/s (one FMA = 2 FLOPs).
    public let gflops: Double
    /// Best shader copy bandwidth seen, in GB/s (bytes read + written).
    public let gigabytesPerSecond: Double

    /// Runs each probe `repeats` times and keeps the best; `scale` sizes the work (1 suits lavapipe,
    /// larger values keep a big GPU busy long enough to time).
    public static func measure(context: VulkanContext, scale: Int = 1, repeats: Int = 3) throws -> PeakProbe {
        guard context.physicalDevice.features.timestamps else {
            throw VulkanError.invalidArgument("the device has no timestamp queries; cannot measure its peak")
        }
        let local = min(256, Int(context.limits.maxWorkGroupInvocations))
        let iterations = 512
        let fmaInvocations = local * min(65535, 256 * scale)
        let copyElements = (16 << 20) * scale / 16  // 16 MiB × scale of vec4
        let arena = try MemoryArena(context: context, kind: .device)
        let src = try arena.allocate(bytes: copyElements * 16)
        let dst = try arena.allocate(bytes: max(copyElements, fmaInvocations) * 16)
        let recorder = try CommandRecorder(context: context, timing: true)
        let fma = try context.kernel(
            KernelDescriptor(
                shader: "peak", bindings: 2, pushConstantBytes: 4,
                specialization: [.uint(UInt32(local)), .int(0), .int(Int32(iterations))]))
        let copy = try context.kernel(
            KernelDescriptor(
                shader: "peak", bindings: 2, pushConstantBytes: 4,
                specialization: [.uint(UInt32(local)), .int(1), .int(Int32(iterations))]))
        var bestFMA = Double.infinity
        var bestCopy = Double.infinity
        for _ in 0 ..< repeats + 1 {  // the first round warms up (JIT, caches)
            var push = PushConstants()
            push.append(UInt32(fmaInvocations))
            try recorder.dispatch(
                fma, bindings: [BufferBinding(src, access: .read), BufferBinding(dst, access: .write)],
                push: push, groups: (fmaInvocations / local, 1, 1), label: "fma")
            var copyPush = PushConstants()
            copyPush.append(UInt32(copyElements))
            try recorder.dispatch(
                copy, bindings: [BufferBinding(src, access: .read), BufferBinding(dst, access: .write)],
                push: copyPush, groups: (min(65535, copyElements / local), 1, 1), label: "copy")
            let timings = try recorder.submitAndWait()
            bestFMA = min(bestFMA, timings[0].nanoseconds)
            bestCopy = min(bestCopy, timings[1].nanoseconds)
        }
        let flops = Double(fmaInvocations) * Double(iterations) * 8 * 4 * 2
        return PeakProbe(gflops: flops / bestFMA, gigabytesPerSecond: Double(copyElements) * 32 / bestCopy)
    }
}
