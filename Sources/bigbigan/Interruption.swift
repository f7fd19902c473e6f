import Dispatch
import FileAccess
import Foundation

/// SIGINT and SIGTERM remove the temporary files and folders the run is writing (`LiveTemporaries`), then end the
/// process with the status a shell gives a process ended by that signal (128 + its number), so an interrupted run leaves neither a partial output nor its temporary.
enum Interruption {
    /// The sources must live as long as the process.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Routes SIGINT and SIGTERM to the cleanup; call once, first.
    static func removeTemporariesOnSignals() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)  // so the signal reaches the dispatch source instead of ending the process at once
            // A queue of its own: the global queues' threads may all be busy in the CPU backend's `concurrentPerform`.
            let source = DispatchSource.makeSignalSource(
                signal: number, queue: DispatchQueue(label: "bigbigan.signals"))
            source.setEventHandler {
                LiveTemporaries.removeAllBeforeExit()
                // The shell's status for a process ended by the signal; re-raising it would reach this source again.
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
