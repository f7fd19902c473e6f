/// Decides when a memory barrier is needed between commands in one command buffer.
///
/// It remembers the byte ranges read and written since the last barrier, per `VkBuffer`; a new command
/// needs a barrier only if it reads what was written (RAW), writes what was read (WAR) or writes what was
/// written (WAW). Ranges, not tensors, are tracked, so a range recycled by the arena is still ordered.
struct HazardTracker {
    private struct Range { let start: UInt64, end: UInt64 }
    private var reads: [ObjectIdentifier: [Range]] = [:]
    private var writes: [ObjectIdentifier: [Range]] = [:]

    /// One buffer range a command touches.
    struct Access {
        let buffer: ObjectIdentifier
        let start: UInt64
        let end: UInt64
        let reads: Bool
        let writes: Bool
    }

    /// Whether `accesses` conflict with what happened since the last barrier.
    func needsBarrier(_ accesses: [Access]) -> Bool {
        accesses.contains { a in
            let range = Range(start: a.start, end: a.end)
            if a.reads || a.writes, overlaps(writes[a.buffer], range) { return true }
            if a.writes, overlaps(reads[a.buffer], range) { return true }
            return false
        }
    }

    /// Records `accesses` as having happened after the last barrier.
    mutating func record(_ accesses: [Access]) {
        for a in accesses {
            let range = Range(start: a.start, end: a.end)
            if a.reads { reads[a.buffer, default: []].append(range) }
            if a.writes { writes[a.buffer, default: []].append(range) }
        }
    }

    /// Forgets everything: called when a barrier is emitted.
    mutating func barrier() {
        reads.removeAll(keepingCapacity: true)
        writes.removeAll(keepingCapacity: true)
    }

    private func overlaps(_ ranges: [Range]?, _ r: Range) -> Bool {
        ranges?.contains { $0.start < r.end && r.start < $0.end } ?? false
    }
}
