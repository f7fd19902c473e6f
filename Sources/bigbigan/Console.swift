import Foundation

/// Messages and progress on standard error, so standard output stays clean for data.
enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("bigbigan: \(message)\n".utf8))
    }

    /// A one-line progress bar, redrawn in place when stderr is a terminal.
    static func progress(_ done: Int, of total: Int, _ unit: String) {
        guard isatty(2) != 0, total > 0 else { return }
        FileHandle.standardError.write(Data("\r\(bar(done, of: total)) \(unit)\(done == total ? "\n" : "")".utf8))
    }

    /// `[███···] done/total`.
    private static func bar(_ done: Int, of total: Int) -> String {
        let width = 30
        let filled = width * done / total
        return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            + "] \(done)/\(total)"
    }

    /// Progress of a long job with its rate and the time left, measured from the items this run processes (items
    /// done by an earlier run count as done but not in the rate). On a terminal the line is redrawn in place, at most
    /// four times a second; otherwise (a batch system's log) one line is written every `logInterval` seconds.
    struct RatedProgress {
        let total: Int
        let unit: String
        let logInterval: Double
        private let start = Date()
        private let doneAtStart: Int
        private var lastDrawn = Date.distantPast
        private let terminal = isatty(2) != 0

        init(total: Int, alreadyDone: Int, unit: String, logInterval: Double = 30) {
            self.total = total
            self.unit = unit
            self.logInterval = logInterval
            doneAtStart = alreadyDone
        }

        /// Seconds since the start.
        var elapsed: Double { Date().timeIntervalSince(start) }

        /// Items per second processed by this run after `done` in all.
        func rate(done: Int) -> Double { Double(done - doneAtStart) / max(elapsed, 1e-9) }

        /// Reports `done` of `total`, if it is time to.
        mutating func update(_ done: Int) {
            let now = Date()
            let finished = done >= total
            guard finished || now.timeIntervalSince(lastDrawn) >= (terminal ? 0.25 : logInterval) else { return }
            lastDrawn = now
            let rate = rate(done: done)
            var line = "\(bar(done, of: max(total, 1))) \(unit), \(String(format: "%.1f", rate)) \(unit)/s"
            if !finished, rate > 0 { line += ", \(Self.duration(Double(total - done) / rate)) left" }
            if terminal {
                FileHandle.standardError.write(Data("\r\(line)\u{1B}[K\(finished ? "\n" : "")".utf8))
            } else if !finished {
                Console.note(line)
            }
        }

        /// `1:02:03` or `2:03`.
        static func duration(_ seconds: Double) -> String {
            let total = Int(seconds.rounded(.up))
            let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
            return hours > 0
                ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
        }
    }
}
