/// A lower bound of the memory (or disk) a job needs, by part, compared before any of it is allocated with what the
/// machine has: a job that cannot fit fails at once, saying what was estimated. Sizes saturate instead of overflowing.
struct MemoryEstimate {
    /// What needs the bytes, e.g. "the generator weights (70.4 million values)".
    var parts: [(what: String, bytes: Int)] = []

    /// The sum of the parts.
    var total: Int { parts.reduce(0) { Self.sum($0, $1.bytes) } }

    /// Adds a part of `count` items of `bytesEach`.
    mutating func add(_ what: String, count: Int, bytesEach: Int) {
        parts.append((what, Self.product(count, bytesEach)))
    }

    /// Throws a `CommandFailure` when the total exceeds `capacity`, naming the job, the parts, what there is and
    /// `hint`.
    func check(_ job: String, against capacity: MachineMemory.Capacity, hint: String) throws {
        guard UInt64(total) > capacity.bytes else { return }
        let parts = parts.map { "\($0.what) \(Self.format($0.bytes))" }.joined(separator: " + ")
        throw CommandFailure(
            "\(job) needs at least \(Self.format(total)) of \(capacity.place): \(parts); \(capacity.holder) "
                + "\(Self.format(capacity.bytes)). \(hint)")
    }

    /// A count of values in words: "70.4 million".
    static func count(_ n: Int) -> String {
        switch n {
        case 1_000_000_000...: String(format: "%.1f billion", Double(n) / 1e9)
        case 1_000_000...: String(format: "%.1f million", Double(n) / 1e6)
        default: "\(n)"
        }
    }

    static func format(_ bytes: Int) -> String {
        bytes == .max ? "more than 8 EiB" : DevicesCommand.bytes(UInt64(bytes))
    }

    static func format(_ bytes: UInt64) -> String { DevicesCommand.bytes(bytes) }

    /// `a × b`, or `Int.max` when that overflows.
    static func product(_ a: Int, _ b: Int) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : result
    }

    /// `a + b`, or `Int.max` when that overflows.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : result
    }
}
