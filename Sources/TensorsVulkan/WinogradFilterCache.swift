import Tensors
import VulkanCompute

/// Transformed Winograd filters (4× the size of the 3×3 weights), kept while their weight tensor lives, so a
/// model's filters are transformed in its first forward pass only.
final class WinogradFilterCache {
    private struct Entry {
        weak var weight: DeviceAllocation?
        let filter: Tensor
    }
    private var entries: [ObjectIdentifier: Entry] = [:]

    /// The filter for the weights in `weight`, made by `make` on a miss. Entries whose weights were freed are
    /// dropped on every miss; an identifier reused by a new allocation misses, since the weak reference differs.
    func filter(for weight: DeviceAllocation, make: () throws -> Tensor) rethrows -> Tensor {
        let key = ObjectIdentifier(weight)
        if let entry = entries[key], entry.weight === weight { return entry.filter }
        entries = entries.filter { $0.value.weight != nil }
        let filter = try make()
        entries[key] = Entry(weight: weight, filter: filter)
        return filter
    }

    /// Forgets every filter (after a failed submission, whose filters may not have been computed).
    func removeAll() { entries = [:] }

    /// Filters held.
    var count: Int { entries.count }
}
