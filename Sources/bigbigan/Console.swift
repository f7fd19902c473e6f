import Foundation

/// Messages and progress on standard error, so standard output stays clean for data.
enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("bigbigan: \(message)\n".utf8))
    }

    /// A one-line progress bar, redrawn in place when stderr is a terminal.
    static func progress(_ done: Int, of total: Int, _ unit: String) {
        guard isatty(2) != 0, total > 0 else { return }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(unit)\(done == total ? "\n" : "")".utf8))
    }
}
