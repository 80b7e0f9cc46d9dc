#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation

/// A program the bench runs beside itself (a receiver, a peer), started with `posix_spawnp`
/// with every signal unblocked and at its default.
///
/// Not Foundation's `Process`: a child inherits the signal mask of the thread that spawns it,
/// and the threads async code runs on block SIGTERM, so a Python server started from them
/// never sees the SIGTERM that should stop it; and `Process.waitUntilExit` spins a core
/// while it waits.
final class ChildProcess {
    let pid: pid_t
    private var status: Int32?

    /// Starts `program` (looked up in PATH) with `arguments`; its standard output and error
    /// go to the files at `stdout` and `stderr` (created or truncated), its standard input is
    /// /dev/null; `environment` replaces this process's when given.
    init(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
         stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let env: [UnsafeMutablePointer<CChar>?]? = environment.map { e in e.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { env?.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = env.map { e in e.withUnsafeBufferPointer { posix_spawnp(&pid, program, &actions, &attributes, argv, $0.baseAddress) } }
            ?? posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw ValidationError("cannot start \(program): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Its exit status (128 + the signal when a signal ended it) once it has ended; nil
    /// while it runs.
    func poll() -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        guard r == pid || (r < 0 && errno == ECHILD) else { return nil }
        status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        return status
    }

    /// Sends SIGTERM and waits for the end; SIGKILL after `grace` seconds.
    @discardableResult
    func terminate(grace: Double = 30) -> Int32 {
        if let status = poll() { return status }
        kill(pid, SIGTERM)
        let deadline = monotonicNanos() + UInt64(grace * 1e9)
        var killed = false
        while true {
            if let status = poll() { return status }
            if !killed && monotonicNanos() > deadline {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(10_000)
        }
    }

    deinit { terminate() }
}
