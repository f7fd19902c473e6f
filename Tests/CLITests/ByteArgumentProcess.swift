import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of an executable whose arguments are bytes (`Process` takes `String`s, so it cannot pass file names that
/// are not UTF-8), reporting its exit status, its output and its peak resident memory. A run still going after
/// `timeLimit` seconds is killed and reported with status -1, so a blocked program fails a test instead of hanging it.
struct ByteArgumentProcess {
    let status: Int32
    let stdout: String
    let stderr: String
    /// The highest `VmHWM` of `/proc/PID/status` seen while the program ran, sampled every 5 ms; nil without `/proc`.
    /// (`wait4`'s `ru_maxrss` cannot be used: it counts the test process's own peak, whose memory the child shares
    /// until it execs.)
    let peakResidentBytes: Int?

    init(_ executable: URL, _ arguments: [[UInt8]], timeLimit: Double = 300) throws {
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("bigbigan-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputs) }
        let out = outputs.appendingPathComponent("stdout").path
        let err = outputs.appendingPathComponent("stderr").path

        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t?
        #else
            var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] =
            ([Array(executable.path.utf8)] + arguments).map { bytes in
                let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (i, byte) in bytes.enumerated() { copy[i] = CChar(bitPattern: byte) }
                copy[bytes.count] = 0
                return copy
            } + [nil]
        defer { for argument in argv { argument?.deallocate() } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

        var status: Int32 = 0
        var peak: Int?
        let deadline = Date().addingTimeInterval(timeLimit)
        var killed = false
        while true {
            // posix_spawn returns once the child has exec'd, so from here on /proc describes the program's own memory.
            if let sample = Self.residentHighWaterMark(of: pid) { peak = max(peak ?? 0, sample) }
            let waited = waitpid(pid, &status, killed ? 0 : WNOHANG)
            if waited == pid { break }
            if waited < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if Date() > deadline {
                kill(pid, SIGKILL)
                killed = true
            } else {
                usleep(5000)
            }
        }
        // Exited normally: the low 7 bits are 0 and the exit code is in the next byte.
        self.status = killed || status & 0x7F != 0 ? -1 : (status >> 8) & 0xFF
        peakResidentBytes = peak
        stdout = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self)
        stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self)
    }

    /// `VmHWM` (peak resident set size) of a running process, in bytes.
    private static func residentHighWaterMark(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kibibytes = Int(
                line.dropFirst("VmHWM:".count).dropLast(" kB".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return kibibytes * 1024
    }
}
