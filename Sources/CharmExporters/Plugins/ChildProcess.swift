#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process spawned with its stdin, stdout and stderr on pipes, in a process group of
/// its own, with a normal signal state.
///
/// Its own group, so that stopping it also stops anything it started that still holds the
/// pipe open (a `sleep` under a shell script, say).
struct ChildProcess {
    /// The child's process id (and its group's).
    let pid: pid_t
    /// The write end of its stdin.
    let stdin: Int32
    /// The read end of its stdout.
    let stdout: Int32
    /// The read end of its stderr.
    let stderr: Int32

    /// Why a child could not be started; the description is what the status line shows.
    enum SpawnError: Error, CustomStringConvertible {
        /// `pipe(2)` failed with this errno.
        case pipes(Int32)
        /// `posix_spawn` failed with this error for this executable.
        case spawn(executable: String, Int32)

        var description: String {
            switch self {
            case .pipes(let code): "cannot create pipes: \(String(cString: strerror(code)))"
            case .spawn(let executable, let code): "cannot start \(executable): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Starts `executable` with `arguments` and exactly `environment`.
    static func spawn(
        _ executable: String, arguments: [String], environment: [String: String]
    ) -> Result<ChildProcess, SpawnError> {
        guard let pipes = makePipes() else { return .failure(.pipes(errno)) }
        let (inRead, inWrite, outRead, outWrite, errRead, errWrite) = pipes
        let spawned = posixSpawn(executable, arguments, environment, stdin: inRead, stdout: outWrite, stderr: errWrite)
        // The child has its copies; ours of its ends would keep its stdin from ever ending
        // and our reads of its output from ever seeing the end.
        close(inRead)
        close(outWrite)
        close(errWrite)
        guard spawned.rc == 0 else {
            close(inWrite)
            close(outRead)
            close(errRead)
            return .failure(.spawn(executable: executable, spawned.rc))
        }
        return .success(ChildProcess(pid: spawned.pid, stdin: inWrite, stdout: outRead, stderr: errRead))
    }

    /// Reaps the child, blocking until it ends; returns its `waitpid` status.
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Sends `signal` to the whole process group of the child `pid`.
    static func signalGroup(_ pid: pid_t, _ signal: Int32) {
        guard pid > 0 else { return }
        kill(-pid, signal)
    }

    /// "exited with status N" or "killed by signal N", from a `waitpid` status.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        return signal == 0 ? "exited with status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
    }

    // MARK: - Plumbing

    /// Three pipes, every end close-on-exec so no other child inherits them (the spawn's
    /// `dup2` onto 0, 1 and 2 clears the flag on the copies the child gets).
    private static func makePipes() -> (Int32, Int32, Int32, Int32, Int32, Int32)? {
        var fds: [Int32] = []
        for _ in 0..<3 {
            var p: [Int32] = [0, 0]
            guard pipe(&p) == 0 else {
                let code = errno
                fds.forEach { close($0) }
                errno = code
                return nil
            }
            for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            fds += p
        }
        return (fds[0], fds[1], fds[2], fds[3], fds[4], fds[5])
    }

    private static func posixSpawn(
        _ path: String, _ args: [String], _ env: [String: String], stdin: Int32, stdout: Int32, stderr: Int32
    ) -> (pid: pid_t, rc: Int32) {
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Its own process group (so stopping can signal everything it started), and a normal
        // signal state: a child inherits the spawning thread's blocked set and every ignored
        // disposition, and our threads block or ignore SIGPIPE, SIGINT, SIGTERM, SIGHUP (the
        // monitor takes them through its own handlers), which left plugins unable to be
        // stopped politely. So the mask is emptied and those signals get their defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD] {
            sigaddset(&defaults, sig)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        return (child, rc)
    }
}
