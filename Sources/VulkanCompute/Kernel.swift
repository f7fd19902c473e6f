import CVulkan

/// One 32-bit specialization constant; its `constant_id` is its position in `KernelDescriptor.specialization`.
public enum SpecializationConstant: Hashable, Sendable {
    case int(Int32)
    case uint(UInt32)
    case float(Float)
    case bool(Bool)

    var bits: UInt32 {
        switch self {
        case .int(let v): return UInt32(bitPattern: v)
        case .uint(let v): return v
        case .float(let v): return v.bitPattern
        case .bool(let v): return v ? 1 : 0
        }
    }
}

/// Everything that identifies a compute pipeline: shader file, defines, binding count, push-constant size and
/// specialization constants. Equal descriptors share one cached `Kernel`.
public struct KernelDescriptor: Hashable, Sendable {
    public struct Define: Hashable, Sendable {
        public let name: String, value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var shader: String
    public var defines: [Define]
    /// Storage buffers at bindings 0..<bindings of set 0.
    public var bindings: Int
    public var pushConstantBytes: Int
    public var specialization: [SpecializationConstant]

    public init(
        shader: String, defines: [Define] = [], bindings: Int, pushConstantBytes: Int = 0,
        specialization: [SpecializationConstant] = []
    ) {
        self.shader = shader
        self.defines = defines
        self.bindings = bindings
        self.pushConstantBytes = pushConstantBytes
        self.specialization = specialization
    }
}

/// A compute pipeline with its layouts. Owned and destroyed by its `VulkanContext`.
public final class Kernel: @unchecked Sendable {
    public let descriptor: KernelDescriptor
    let pipeline: VkPipeline
    let pipelineLayout: VkPipelineLayout
    let setLayout: VkDescriptorSetLayout

    init(context: VulkanContext, descriptor: KernelDescriptor, spirv: [UInt32]) throws {
        let vk = context.vk
        let device = context.device
        self.descriptor = descriptor
        try Self.checkPushConstants(descriptor, limit: context.limits.maxPushConstantsBytes)
        let setLayout = try Self.makeDescriptorSetLayout(vk, device, bindings: descriptor.bindings)
        let pipelineLayout: VkPipelineLayout
        do {
            pipelineLayout = try Self.makePipelineLayout(
                vk, device, setLayout: setLayout, pushConstantBytes: descriptor.pushConstantBytes)
        } catch {
            vk.destroyDescriptorSetLayout(device, setLayout, nil)
            throw error
        }
        let pipeline: VkPipeline
        do {
            let module = try Self.makeShaderModule(vk, device, spirv: spirv)
            defer { vk.destroyShaderModule(device, module, nil) }
            pipeline = try Self.makePipeline(
                vk, device, cache: context.pipelineCache, module: module, layout: pipelineLayout,
                specialization: descriptor.specialization, shader: descriptor.shader)
        } catch {
            vk.destroyPipelineLayout(device, pipelineLayout, nil)
            vk.destroyDescriptorSetLayout(device, setLayout, nil)
            throw error
        }
        self.pipeline = pipeline
        self.pipelineLayout = pipelineLayout
        self.setLayout = setLayout
    }

    /// Rejects push constants larger than the device allows or not a whole number of 32-bit words.
    private static func checkPushConstants(_ descriptor: KernelDescriptor, limit: UInt32) throws {
        guard descriptor.pushConstantBytes <= Int(limit), descriptor.pushConstantBytes % 4 == 0 else {
            throw VulkanError.limitExceeded(
                "\(descriptor.shader): \(descriptor.pushConstantBytes) bytes of push constants (device maximum \(limit), multiple of 4)"
            )
        }
    }

    /// Set 0 with one compute-stage storage buffer at each binding 0..<bindings.
    private static func makeDescriptorSetLayout(_ vk: DeviceFunctions, _ device: VkDevice, bindings count: Int) throws
        -> VkDescriptorSetLayout
    {
        var bindings = (0 ..< count).map { i -> VkDescriptorSetLayoutBinding in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(i)
            b.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            b.descriptorCount = 1
            b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
            return b
        }
        var setLayout: VkDescriptorSetLayout?
        try bindings.withUnsafeMutableBufferPointer { pointer in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(pointer.count)
            info.pBindings = UnsafePointer(pointer.baseAddress)
            try check(vk.createDescriptorSetLayout(device, &info, nil, &setLayout), "vkCreateDescriptorSetLayout")
        }
        guard let setLayout else { throw VulkanError.call("vkCreateDescriptorSetLayout", -3) }
        return setLayout
    }

    /// The pipeline layout of `setLayout` and, when there are any, `pushConstantBytes` of compute-stage push constants.
    private static func makePipelineLayout(
        _ vk: DeviceFunctions, _ device: VkDevice, setLayout: VkDescriptorSetLayout,
        pushConstantBytes: Int
    ) throws -> VkPipelineLayout {
        var range = VkPushConstantRange(
            stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue, offset: 0, size: UInt32(pushConstantBytes))
        var layouts: [VkDescriptorSetLayout?] = [setLayout]
        var pipelineLayout: VkPipelineLayout?
        let result = layouts.withUnsafeMutableBufferPointer { layoutPointer in
            withUnsafePointer(to: &range) { rangePointer -> VkResult in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = UnsafePointer(layoutPointer.baseAddress)
                info.pushConstantRangeCount = pushConstantBytes > 0 ? 1 : 0
                info.pPushConstantRanges = pushConstantBytes > 0 ? rangePointer : nil
                return vk.createPipelineLayout(device, &info, nil, &pipelineLayout)
            }
        }
        guard result.rawValue == 0, let pipelineLayout else {
            try check(result, "vkCreatePipelineLayout")
            throw VulkanError.call("vkCreatePipelineLayout", -3)
        }
        return pipelineLayout
    }

    /// A shader module of the SPIR-V words; the caller destroys it once the pipeline is made.
    private static func makeShaderModule(_ vk: DeviceFunctions, _ device: VkDevice, spirv: [UInt32]) throws
        -> VkShaderModule
    {
        var module: VkShaderModule?
        let result = spirv.withUnsafeBufferPointer { words -> VkResult in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = words.count * 4  // codeSize is in bytes; SPIR-V is counted in 32-bit words
            info.pCode = words.baseAddress
            return vk.createShaderModule(device, &info, nil, &module)
        }
        guard result.rawValue == 0, let module else {
            try check(result, "vkCreateShaderModule")
            throw VulkanError.call("vkCreateShaderModule", -3)
        }
        return module
    }

    /// The compute pipeline of `module`'s `main` with `specialization` as constants 0..<count, through the pipeline cache.
    private static func makePipeline(
        _ vk: DeviceFunctions, _ device: VkDevice, cache: VkPipelineCache?, module: VkShaderModule,
        layout: VkPipelineLayout, specialization constants: [SpecializationConstant],
        shader: String
    ) throws -> VkPipeline {
        var values = constants.map(\.bits)
        var entries = values.indices.map { i in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var pipeline: VkPipeline?
        let result = values.withUnsafeMutableBytes { valueBytes in
            entries.withUnsafeMutableBufferPointer { entryPointer -> VkResult in
                var specialization = VkSpecializationInfo()
                specialization.mapEntryCount = UInt32(entryPointer.count)
                specialization.pMapEntries = UnsafePointer(entryPointer.baseAddress)
                specialization.dataSize = valueBytes.count
                specialization.pData = UnsafeRawPointer(valueBytes.baseAddress)
                return withUnsafePointer(to: &specialization) { specPointer in
                    var stage = VkPipelineShaderStageCreateInfo()
                    stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                    stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                    stage.module = module
                    stage.pName = UnsafeRawPointer(("main" as StaticString).utf8Start).assumingMemoryBound(
                        to: CChar.self)
                    stage.pSpecializationInfo = entryPointer.isEmpty ? nil : specPointer
                    var info = VkComputePipelineCreateInfo()
                    info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                    info.stage = stage
                    info.layout = layout
                    return vk.createComputePipelines(device, cache, 1, &info, nil, &pipeline)
                }
            }
        }
        guard result.rawValue == 0, let pipeline else {
            try check(result, "vkCreateComputePipelines(\(shader))")
            throw VulkanError.call("vkCreateComputePipelines", -3)
        }
        return pipeline
    }

    func destroy(_ vk: DeviceFunctions, _ device: VkDevice) {
        vk.destroyPipeline(device, pipeline, nil)
        vk.destroyPipelineLayout(device, pipelineLayout, nil)
        vk.destroyDescriptorSetLayout(device, setLayout, nil)
    }
}

/// Push-constant words built field by field, so the layout is exactly std430 scalars. A Swift struct would not be a
/// safe mirror: its layout is not guaranteed, and a `SIMD3<Float>` takes 16 bytes where std430's `vec3` takes 12.
public struct PushConstants: Sendable {
    public private(set) var words: [UInt32] = []
    public init() {}
    public mutating func append(_ v: Int) { words.append(UInt32(bitPattern: Int32(truncatingIfNeeded: v))) }
    public mutating func append(_ v: UInt32) { words.append(v) }
    public mutating func append(_ v: Float) { words.append(v.bitPattern) }
    public var byteCount: Int { words.count * 4 }
}
