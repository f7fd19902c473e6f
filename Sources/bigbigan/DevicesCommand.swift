import ArgumentParser
import Foundation
import Tensors
import VulkanCompute

/// `bigbigan devices`: every Vulkan device with the properties and limits that matter for this engine.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List Vulkan devices, their limits and features, and which one would be chosen."
    )

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let devices = try VulkanInstance(validation: false).physicalDevices()
        let choice = deviceOptions.choice
        let chosen: PhysicalDevice? =
            choice?.lowercased() == "cpu" ? nil : try DeviceSelection.choose(from: devices, choice: choice)
        if json {
            let report = DevicesReport(
                devices: devices.map(DeviceReport.init), chosen: chosen?.index, cpuBackendChosen: chosen == nil)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        for device in devices { print(Self.describe(device, chosen: device.index == chosen?.index)) }
        print(chosen.map { "Chosen: \($0.index) (\($0.name))" } ?? "Chosen: the CPU reference backend (--device cpu)")
        print("Also available: --device cpu, the CPU reference backend.")
    }

    static func describe(_ d: PhysicalDevice, chosen: Bool) -> String {
        let l = d.limits
        let f = d.features
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        let heaps = d.heaps.map { "\(bytes($0.size))\($0.deviceLocal ? " device-local" : " host")" }.joined(
            separator: ", ")
        return """
            \(chosen ? "*" : " ") \(d.index): \(d.name) [\(d.kind.rawValue)]
                driver: \(d.driverName) \(d.driverInfo); Vulkan \(d.apiVersion); vendor 0x\(String(d.vendorID, radix: 16)) device 0x\(String(d.deviceID, radix: 16))
                memory heaps: \(heaps); largest allocation \(bytes(l.maxMemoryAllocationSize)); largest buffer \(bytes(l.maxBufferSize))
                workgroups: size ≤ \(l.maxWorkGroupSize.0)×\(l.maxWorkGroupSize.1)×\(l.maxWorkGroupSize.2), invocations ≤ \(l.maxWorkGroupInvocations), count ≤ \(l.maxWorkGroupCount.0)×\(l.maxWorkGroupCount.1)×\(l.maxWorkGroupCount.2)
                shared memory \(bytes(UInt64(l.maxSharedMemoryBytes))); maxStorageBufferRange \(bytes(l.maxStorageBufferRange)); push constants \(l.maxPushConstantsBytes) B; storage offset alignment \(l.minStorageBufferOffsetAlignment) B; subgroup size \(l.subgroupSize)
                fp16 arithmetic \(yes(f.shaderFloat16)); 16-bit storage \(yes(f.storageBuffer16BitAccess)); int8 \(yes(f.shaderInt8)); 8-bit storage \(yes(f.storageBuffer8BitAccess)); cooperative matrix KHR \(yes(f.cooperativeMatrixKHR)) / NV \(yes(f.cooperativeMatrixNV)); timestamps \(yes(f.timestamps)) (\(l.timestampPeriodNanoseconds) ns/tick)
            """
    }

    static func bytes(_ n: UInt64) -> String {
        if n >= 1 << 30 { return String(format: "%.1f GiB", Double(n) / Double(1 << 30)) }
        if n >= 1 << 20 { return String(format: "%.0f MiB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.0f KiB", Double(n) / Double(1 << 10)) }
        return "\(n) B"
    }
}

/// JSON form of `bigbigan devices`.
struct DevicesReport: Encodable {
    let devices: [DeviceReport]
    let chosen: Int?
    let cpuBackendChosen: Bool
}

struct DeviceReport: Encodable {
    let index: Int, name: String, kind: String, driver: String, apiVersion: String
    let heaps: [[String: UInt64]]
    let maxWorkGroupSize: [UInt32], maxWorkGroupInvocations: UInt32, maxWorkGroupCount: [UInt32]
    let maxSharedMemoryBytes: UInt32, maxStorageBufferRange: UInt64, maxPushConstantsBytes: UInt32
    let maxMemoryAllocationSize: UInt64, subgroupSize: UInt32
    let shaderFloat16: Bool, storageBuffer16BitAccess: Bool, shaderInt8: Bool, storageBuffer8BitAccess: Bool
    let cooperativeMatrix: Bool, timestamps: Bool

    init(_ d: PhysicalDevice) {
        let l = d.limits
        let f = d.features
        index = d.index
        name = d.name
        kind = d.kind.rawValue
        driver = "\(d.driverName) \(d.driverInfo)"
        apiVersion = d.apiVersion.description
        heaps = d.heaps.map { ["bytes": $0.size, "deviceLocal": $0.deviceLocal ? 1 : 0] }
        maxWorkGroupSize = [l.maxWorkGroupSize.0, l.maxWorkGroupSize.1, l.maxWorkGroupSize.2]
        maxWorkGroupInvocations = l.maxWorkGroupInvocations
        maxWorkGroupCount = [l.maxWorkGroupCount.0, l.maxWorkGroupCount.1, l.maxWorkGroupCount.2]
        maxSharedMemoryBytes = l.maxSharedMemoryBytes
        maxStorageBufferRange = l.maxStorageBufferRange
        maxPushConstantsBytes = l.maxPushConstantsBytes
        maxMemoryAllocationSize = l.maxMemoryAllocationSize
        subgroupSize = l.subgroupSize
        shaderFloat16 = f.shaderFloat16
        storageBuffer16BitAccess = f.storageBuffer16BitAccess
        shaderInt8 = f.shaderInt8
        storageBuffer8BitAccess = f.storageBuffer8BitAccess
        cooperativeMatrix = f.cooperativeMatrixKHR || f.cooperativeMatrixNV
        timestamps = f.timestamps
    }
}
