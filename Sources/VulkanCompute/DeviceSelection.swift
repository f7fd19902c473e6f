/// Chooses a physical device: the best kind (discrete > integrated > virtual > CPU), or the user's choice.
public enum DeviceSelection {
    /// Picks a device. `choice` is nil for automatic, a decimal index into `devices`, or a case-insensitive
    /// substring of the device name.
    public static func choose(from devices: [PhysicalDevice], choice: String?) throws -> PhysicalDevice {
        let usable = devices.filter { $0.computeQueueFamily != nil && $0.apiVersion >= VulkanVersion(1, 1) }
        guard !usable.isEmpty else {
            if devices.isEmpty {
                throw VulkanError.noDevice(
                    "the Vulkan loader found no devices (install a driver, e.g. Debian's mesa-vulkan-drivers for the CPU device lavapipe)"
                )
            }
            throw VulkanError.noDevice("none of the \(devices.count) device(s) supports Vulkan 1.1 compute")
        }
        guard let choice, !choice.isEmpty else { return ranked(usable)[0] }
        let listing = devices.map { "\($0.index): \($0.name)" }.joined(separator: ", ")
        if let index = Int(choice) {
            guard let device = usable.first(where: { $0.index == index }) else {
                throw VulkanError.noDevice("no usable device with index \(index); devices: \(listing)")
            }
            return device
        }
        let matches = usable.filter { $0.name.lowercased().contains(choice.lowercased()) }
        guard let first = ranked(matches).first else {
            throw VulkanError.noDevice("no device name contains \"\(choice)\"; devices: \(listing)")
        }
        return first
    }

    /// Devices in order of preference; ties keep enumeration order.
    public static func ranked(_ devices: [PhysicalDevice]) -> [PhysicalDevice] {
        devices.sorted { ($0.kind.rank, $0.index) < ($1.kind.rank, $1.index) }
    }
}
