import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Work split over the cores. Each task writes outputs no other task writes, and the results never depend on how many
/// cores there are: a task's work is fixed by its index alone.
enum Parallel {
    static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(task)` for every task in `0..<count`, on all cores. If tasks throw, rethrows the error of the
    /// lowest-numbered one, so that which error is reported does not depend on scheduling.
    static func forEach(_ count: Int, _ body: (Int) throws -> Void) throws {
        guard count > 1, coreCount > 1 else {
            for task in 0 ..< count { try body(task) }
            return
        }
        let failures = Failures()
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: count) { task in
                do { try box.value(task) } catch { failures.record(error, task: task) }
            }
        }
        if let error = failures.first { throw error }
    }

    /// Splits `0..<count` into at most `pieces` contiguous ranges of near-equal size, each starting at a multiple of
    /// `alignment` (the last may be shorter).
    static func ranges(of count: Int, pieces: Int, alignment: Int = 1) -> [Range<Int>] {
        let units = (count + alignment - 1) / alignment
        let pieces = max(1, min(pieces, units))
        return (0 ..< pieces).map { piece in
            min(count, units * piece / pieces * alignment) ..< min(count, units * (piece + 1) / pieces * alignment)
        }
    }

    /// The errors of failed tasks, keeping the lowest-numbered task's.
    private final class Failures: @unchecked Sendable {
        private let lock = DispatchSemaphore(value: 1)
        private var lowest: (task: Int, error: any Error)?

        func record(_ error: any Error, task: Int) {
            lock.wait()
            if lowest.map({ task < $0.task }) ?? true { lowest = (task, error) }
            lock.signal()
        }

        var first: (any Error)? { lowest?.error }
    }
}

/// Lets a closure that writes disjoint parts of buffers cross into `concurrentPerform`.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}
