import Foundation
import Tensors
import TensorsVulkan

/// What memory a backend can give a job.
enum MachineMemory {
    /// An amount of memory or disk and where it is, for messages: "… of \(place) …; \(holder) 2.0 GiB".
    struct Capacity {
        let place: String
        let holder: String
        let bytes: UInt64
    }

    /// The machine's physical memory (`sysconf`).
    static var physical: Capacity {
        let bytes = UInt64(max(sysconf(Int32(_SC_PHYS_PAGES)), 0)) * UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 0))
        return Capacity(place: "memory", holder: "this machine has", bytes: bytes)
    }

    /// Where `backend` keeps tensors and how much of it there is: the largest device-local heap of a Vulkan
    /// device, physical memory for the CPU reference.
    static func capacity(of backend: any Backend) -> Capacity {
        guard let vulkan = backend as? VulkanBackend else { return physical }
        let device = vulkan.context.physicalDevice
        guard let heap = device.heaps.filter(\.deviceLocal).map(\.size).max() else { return physical }
        return Capacity(
            place: "device memory on \(device.name)", holder: "its largest device-local heap has", bytes: heap)
    }

    /// Bytes per stored tensor element on `backend`.
    static func bytesPerElement(on backend: any Backend) -> Int {
        (backend as? VulkanBackend)?.precision == .fp16 ? 2 : 4
    }

    /// Free space for an unprivileged user in the file system holding `path` or, if it does not exist yet, its
    /// nearest existing ancestor; nil when it cannot be told.
    static func freeDisk(at path: String) -> Capacity? {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var status = statvfs()
        while statvfs(url.path, &status) != 0 {
            guard url.path != "/" else { return nil }
            url.deleteLastPathComponent()
        }
        return Capacity(
            place: "disk space at \(path)", holder: "the free space there is",
            bytes: UInt64(status.f_bavail) * UInt64(status.f_frsize))
    }
}
