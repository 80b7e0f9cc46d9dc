#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends the process's stderr to a log file while the full-screen UI is up: anything
/// written to stderr then (a log line, a fatal error's message) would be wiped by the
/// next redraw or lost with the alternate screen.
package final class StderrRedirect {
    /// The log file while redirected.
    package private(set) var logPath: String?
    private var savedDescriptor: Int32 = -1

    /// Creates an inactive redirect.
    package init() {}

    /// `$TMPDIR/charm-monitor-<pid>.log` (TMPDIR defaulting to /tmp).
    package static func defaultLogPath() -> String {
        var directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if directory.isEmpty { directory = "/tmp" }
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return "\(directory)/charm-monitor-\(getpid()).log"
    }

    /// The duplicate of the real stderr while redirected, -1 otherwise; the crash guard
    /// writes through it.
    package var savedStderr: Int32 { savedDescriptor }

    /// Points stderr at `path` (appending) and returns the path. Does nothing if already
    /// redirected.
    @discardableResult
    package func begin(path: String = StderrRedirect.defaultLogPath()) throws -> String {
        if let logPath { return logPath }
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw TerminalError.logFile(path: path, errno: errno) }
        defer { close(file) }
        let saved = dup(STDERR_FILENO)
        guard saved >= 0 else { throw TerminalError.logFile(path: path, errno: errno) }
        _ = fcntl(saved, F_SETFD, FD_CLOEXEC)
        guard dup2(file, STDERR_FILENO) >= 0 else {
            close(saved)
            throw TerminalError.logFile(path: path, errno: errno)
        }
        savedDescriptor = saved
        logPath = path
        return path
    }

    /// Puts the real stderr back. Idempotent.
    package func end() {
        guard savedDescriptor >= 0 else { return }
        _ = dup2(savedDescriptor, STDERR_FILENO)
        close(savedDescriptor)
        savedDescriptor = -1
        logPath = nil
    }

    deinit { end() }
}
