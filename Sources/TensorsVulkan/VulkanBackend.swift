import Foundation
import Tensors
import VulkanCompute

/// Device memory is the Vulkan backend's tensor storage.
extension DeviceAllocation: TensorStorage {}

/// The Vulkan backend: each op records dispatches into one command buffer; the work runs when a result is
/// downloaded or `synchronize()` is called, so a whole forward pass is one submission with no host waits.
///
/// Not thread-safe: use one backend per thread (several may share a `VulkanContext`).
public final class VulkanBackend: Backend {
    public let context: VulkanContext
    public var name: String { context.physicalDevice.name }
    let arena: MemoryArena
    let staging: MemoryArena
    let recorder: CommandRecorder
    /// GPU time per dispatch of the last synchronisation (empty unless created with `timing`).
    public private(set) var lastTimings: [CommandTiming] = []
    /// The kernels for convolutions and products; changes apply to the next op recorded.
    public var kernelChoice: KernelChoice
    /// The attention kernel's split of the work; nil picks it from the device kind (tests run both on one device).
    var attentionProfile: AttentionTiling.Profile?
    /// When 3×3 convolutions run as Winograd F(4×4, 3×3); changes apply to the next convolution recorded.
    public var winogradChoice: WinogradChoice
    /// Device memory for the transformed tiles of one Winograd pass; a larger batch is convolved in several passes.
    public var winogradWorkspaceBytes: Int
    /// Whether transformed Winograd filters are kept while their weights live (4× the 3×3 weights' memory,
    /// about 1 GB for the released generator) instead of being recomputed by every convolution.
    public var cachesWinogradFilters: Bool
    let winogradFilters = WinogradFilterCache()
    /// Transformed Winograd filters currently cached.
    public var winogradFilterCount: Int { winogradFilters.count }
    /// How tensors are stored on the device; shaders compute in fp32 either way.
    public let precision: Precision
    /// Bytes of one stored tensor element.
    var elementBytes: Int { precision.bytesPerElement }

    /// Whether uploads and downloads may use a mapped pointer into device memory.
    let mapsDeviceMemory: Bool

    /// A backend on `context`, which several backends may share (one per thread). Throws
    /// `VulkanError.missingFeature` for `.fp16` storage on a device without 16-bit storage buffer access.
    public init(context: VulkanContext, options: Options = Options()) throws {
        try options.precision.requireSupport(by: context.features, device: context.physicalDevice.name)
        self.context = context
        precision = options.precision
        kernelChoice = options.kernels
        winogradChoice = options.winograd
        winogradWorkspaceBytes = options.winogradWorkspaceBytes
        cachesWinogradFilters = options.cachesWinogradFilters
        arena = try MemoryArena(context: context, kind: .device)
        staging = try MemoryArena(context: context, kind: .staging, blockSize: 64 << 20)
        recorder = try CommandRecorder(context: context, timing: options.timing)
        mapsDeviceMemory = arena.isHostVisible && !options.alwaysStage
    }

    /// A backend on its own context, opened as `device` says.
    public convenience init(device: DeviceOptions, options: Options = Options()) throws {
        try self.init(context: Self.openContext(device), options: options)
    }

    /// Device memory held and in use by this backend's tensors.
    public var memoryUsage: (reserved: UInt64, inUse: UInt64) { arena.usage }

    public func upload(_ host: HostTensor) throws -> Tensor {
        let allocation = try arena.allocate(bytes: host.data.count * elementBytes)
        if !host.data.isEmpty { try write(host.data, to: allocation) }
        return Tensor(shape: host.shape, storage: allocation, owner: ObjectIdentifier(self))
    }

    /// Copies `values` into `allocation`: directly through the mapping when no pending command can touch the
    /// (possibly recycled) range, else through staging memory and a recorded copy.
    private func write(_ values: [Float], to allocation: DeviceAllocation) throws {
        let bytes = values.count * elementBytes
        if mapsDeviceMemory, recorder.commandCount == 0, let pointer = allocation.mappedPointer {
            precision.store(values, to: pointer)
            return
        }
        let stage = try staging.allocate(bytes: bytes)
        guard let pointer = stage.mappedPointer else { throw VulkanError.outOfMemory("staging memory is not mappable") }
        precision.store(values, to: pointer)
        try recorder.copy(from: stage, to: allocation, bytes: UInt64(bytes), label: "upload")
    }

    public func download(_ tensor: Tensor) throws -> HostTensor { try download([tensor])[0] }

    /// One submission and one host wait for all of `tensors` (copies to staging memory recorded first).
    public func download(_ tensors: [Tensor]) throws -> [HostTensor] {
        let sources = try tensors.map { tensor in
            let allocation = try self.allocation(tensor, "download")
            let bytes = tensor.shape.count * elementBytes
            guard !mapsDeviceMemory, bytes > 0 else { return allocation }
            let source = try staging.allocate(bytes: bytes)
            try recorder.copy(from: allocation, to: source, bytes: UInt64(bytes), label: "download")
            return source
        }
        try synchronize()
        return try zip(tensors, sources).map { tensor, source in
            guard tensor.shape.count > 0 else { return HostTensor(zeros: tensor.shape) }
            guard let pointer = source.mappedPointer else { throw VulkanError.outOfMemory("memory is not mappable") }
            return try HostTensor(shape: tensor.shape, data: precision.load(count: tensor.shape.count, from: pointer))
        }
    }

    /// Submits pending work and waits; `lastTimings` keeps the last submission that had work.
    public func synchronize() throws {
        guard recorder.commandCount > 0 else { return }
        do {
            lastTimings = try recorder.submitAndWait()
        } catch {
            winogradFilters.removeAll()
            throw error
        }
    }

    // MARK: helpers for op implementations

    /// The device memory of a tensor of this backend.
    func allocation(_ tensor: Tensor, _ op: String) throws -> DeviceAllocation {
        try own(tensor, op)
        guard let allocation = tensor.storage as? DeviceAllocation else {
            throw TensorError.wrongBackend(op: op, expected: name, got: "another")
        }
        return allocation
    }

    /// A new, uninitialised tensor.
    func makeTensor(_ shape: Shape) throws -> Tensor {
        Tensor(
            shape: shape, storage: try arena.allocate(bytes: shape.count * elementBytes), owner: ObjectIdentifier(self))
    }

    /// Binds a whole tensor, or the samples `samples` of its first axis.
    func binding(_ tensor: Tensor, _ op: String, samples: Range<Int>? = nil, access: BufferAccess) throws
        -> BufferBinding
    {
        let allocation = try self.allocation(tensor, op)
        guard let samples else {
            return BufferBinding(allocation, byteCount: UInt64(tensor.shape.count * elementBytes), access: access)
        }
        let perSample = UInt64(tensor.shape.perSample * elementBytes)
        return BufferBinding(
            allocation, offset: UInt64(samples.lowerBound) * perSample,
            byteCount: UInt64(samples.count) * perSample, access: access)
    }

    /// The cached kernel for a shader with specialization constants; fp16 storage adds `STORAGE_FP16`
    /// (see `common.glsl`), which also keeps the two precisions' pipelines apart in the cache.
    func kernel(
        _ shader: String, defines: [KernelDescriptor.Define] = [], bindings: Int, pushWords: Int,
        specialization: [SpecializationConstant] = []
    ) throws -> Kernel {
        let storage: [KernelDescriptor.Define] = precision == .fp16 ? [.init("STORAGE_FP16", "1")] : []
        return try context.kernel(
            KernelDescriptor(
                shader: shader, defines: defines + storage, bindings: bindings,
                pushConstantBytes: pushWords * 4, specialization: specialization))
    }

    /// Splits a batch so that every batched binding stays within `maxStorageBufferRange` and every chunk
    /// starts at an aligned offset. `bytesPerSample` lists the batched bindings; `maxSamples` adds a cap
    /// (for example from the workgroup-count limit).
    func batchChunks(_ op: String, batch: Int, bytesPerSample: [Int], maxSamples: Int = .max) throws -> [Range<Int>] {
        guard batch > 0 else { return [] }
        let maxRange = Int(min(context.limits.maxStorageBufferRange, UInt64(Int.max)))
        let alignment = Int(max(context.limits.minStorageBufferOffsetAlignment, 4))
        var perChunk = maxSamples
        var step = 1
        for bytes in bytesPerSample where bytes > 0 {
            perChunk = min(perChunk, maxRange / bytes)
            step = lcm(step, alignment / gcd(bytes, alignment))
        }
        if perChunk >= batch { return [0 ..< batch] }
        perChunk = perChunk / step * step
        guard perChunk >= 1 else {
            throw VulkanError.limitExceeded(
                "\(op): one sample needs \(bytesPerSample.max() ?? 0) bytes in one binding; this device binds at most \(maxRange)"
            )
        }
        return stride(from: 0, to: batch, by: perChunk).map { $0 ..< min($0 + perChunk, batch) }
    }

    /// Workgroups for a grid-stride 1-D kernel over `count` items: one group per `localSize` items up to
    /// the x limit; shaders loop over the rest (see `common.glsl`). Rows in y are avoided on purpose:
    /// lavapipe 22.3 computes wrong invocation IDs in rows past the first for large grids.
    func grid1D(_ count: Int, localSize: Int) -> (x: Int, y: Int, z: Int) {
        let groups = max(1, (count + localSize - 1) / localSize)
        return (min(groups, Int(context.limits.maxWorkGroupCount.0)), 1, 1)
    }

    /// Workgroup size for 1-D elementwise kernels.
    var elementwiseLocalSize: Int { min(256, Int(context.limits.maxWorkGroupInvocations)) }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
private func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }
