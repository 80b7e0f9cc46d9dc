import CharmTelemetry
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A supervised child process fed NDJSON lines, for exec plugins and the Python bridge.
///
/// Three rules shape it. The caller never blocks: `send` appends to a bounded buffer under a
/// short lock, and a dedicated writer thread does the `write(2)`s, so a plugin that stops
/// reading fills its pipe, then the buffer, and further lines are dropped and counted.
/// A plugin that exits is restarted with exponential backoff, and the status says so.
/// The child runs in its own process group, so stopping it also stops anything it started
/// that still holds the pipe open (a `sleep` under a shell script, say).
///
/// All mutable state is guarded by `condition`, which is why the class is `@unchecked Sendable`.
final class PluginProcess: @unchecked Sendable {
    /// Tuning; the defaults suit a live agent.
    struct Options: Sendable {
        var bufferCapacity = 4096
        var stderrLines = 50
        var initialBackoff: Duration = .milliseconds(500)
        var maxBackoff: Duration = .seconds(30)
        /// A process that ran this long before exiting resets the backoff.
        var stableAfter: Duration = .seconds(10)
        /// Wait for acks from the start (the bridge always acks); other plugins opt in by acking.
        var acknowledges = false
        /// How long a stopping plugin gets after its stdin closes before it is signalled.
        var shutdownGrace: Duration = .seconds(2)
    }

    let label: String
    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let options: Options

    private let condition = NSCondition()
    // Everything below is guarded by `condition`.
    private var buffer = LineQueue()
    private var stdinFD: Int32 = -1
    private var writerBusy = false
    private var writerFD: Int32 = -1
    private var closeAfterWrite = false
    private var generation = 0
    private var pid: pid_t = 0
    private var running = false
    private var stopping = false
    private var stopped = false
    private var acking: Bool
    private var acked = 0
    /// Whether the current process has written any stdout line yet (its handshake).
    private var heardFrom = false
    private var startedAt = ContinuousClock.now
    private var generationWritten = 0
    private var totalWritten = 0
    private var droppedLines = 0
    private var restartCount = 0
    private var report = PluginReport()
    private var downMessage: String?
    /// How the last process ended when it failed on its own (non-zero status or a signal we
    /// did not send): kept through shutdown, when no restart message is made, so a plugin
    /// that dies at once on a short run is still reported.
    private var lastFailure: String?
    /// Set when stop() signals the process group: its death is then ours, not a failure.
    private var signalledByUs = false
    private var stderrTail: [String] = []

    private static let ignoreSIGPIPE: Void = {
        // A plugin that exits while we write must give us EPIPE, not kill the agent.
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Every plugin process object not yet stopped, so that `stopAllNow` can reach them
    /// when the normal shutdown (one exporter at a time, on its worker) is cut short.
    private static let live = Mutex<[ObjectIdentifier: PluginProcess]>([:])

    /// Stops every plugin process at once: stdin closed, SIGTERM to each process group,
    /// then SIGKILL to those still running after `grace`. No restarts follow.
    static func stopAllNow(grace: Duration) {
        let all = live.withLock { Array($0.values) }
        var signalled: [(PluginProcess, pid_t)] = []
        for p in all {
            p.condition.lock()
            p.stopping = true
            p.closeStdin()
            p.condition.broadcast()
            let (pid, running) = (p.pid, p.running)
            if running && pid > 0 { p.signalledByUs = true }
            p.condition.unlock()
            if running && pid > 0 {
                kill(-pid, SIGTERM)
                signalled.append((p, pid))
            }
        }
        let end = Date(timeIntervalSinceNow: seconds(grace))
        for (p, pid) in signalled {
            p.condition.lock()
            while p.running && Date() < end { _ = p.condition.wait(until: end) }
            let still = p.running
            p.condition.unlock()
            if still { kill(-pid, SIGKILL) }
        }
    }

    init(label: String, executable: String, arguments: [String], environment: [String: String], options: Options) {
        _ = PluginProcess.ignoreSIGPIPE
        self.label = label
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.options = options
        self.acking = options.acknowledges
        PluginProcess.live.withLock { $0[ObjectIdentifier(self)] = self }
        let supervisor = Thread { [self] in supervise() }
        supervisor.name = "charm-plugin-\(label)"
        supervisor.start()
        let writer = Thread { [self] in writeLoop() }
        writer.name = "charm-plugin-\(label)-writer"
        writer.start()
    }

    // MARK: - What the exporter uses

    /// Queues one line (without its newline); drops and counts it when the buffer is full.
    func send(_ line: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return }
        if buffer.count >= options.bufferCapacity {
            droppedLines += 1
            return
        }
        var l = line
        l.append(0x0A)
        buffer.append(l)
        condition.broadcast()
    }

    /// Waits until every queued line is written and, for a plugin that acks, acknowledged.
    ///
    /// A plugin declares that it acks in its first stdout line (`{"ack":0}`); until that line
    /// has come, or the process has run for `handshakeWindow` without one, we cannot know
    /// whether to wait for acks, so we wait for the handshake first.
    func flush(deadline: ContinuousClock.Instant) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        func settled() -> Bool {
            guard buffer.isEmpty && !writerBusy else { return false }
            guard running else { return true }
            let decided = acking || heardFrom || ContinuousClock.now - startedAt >= Self.handshakeWindow
            return decided && (!acking || acked >= generationWritten)
        }
        while !settled() {
            if stopped { return buffer.isEmpty }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(Self.seconds(left), 0.25)))
        }
        return true
    }

    /// Closes the plugin's stdin, gives it `shutdownGrace` to finish, then signals its group.
    func stop() {
        condition.lock()
        stopping = true
        closeStdin()
        condition.broadcast()
        let graceEnd = Date(timeIntervalSinceNow: Self.seconds(options.shutdownGrace))
        while running && Date() < graceEnd { _ = condition.wait(until: graceEnd) }
        let (p, alive) = (pid, running)
        condition.unlock()
        guard alive, p > 0 else { return }
        condition.lock()
        signalledByUs = true
        condition.unlock()
        kill(-p, SIGTERM)
        condition.lock()
        let killEnd = Date(timeIntervalSinceNow: 0.5)
        while running && Date() < killEnd { _ = condition.wait(until: killEnd) }
        let still = running
        condition.unlock()
        if still { kill(-p, SIGKILL) }
    }

    /// A snapshot of the counters.
    struct Snapshot: Sendable {
        var running: Bool
        var pid: Int32?
        var buffered: Int
        var written: Int
        var dropped: Int
        var restarts: Int
        var report: PluginReport
        var downMessage: String?
        var lastFailure: String?
        var stderr: [String]
    }

    var snapshot: Snapshot {
        condition.lock()
        defer { condition.unlock() }
        return Snapshot(
            running: running, pid: running ? pid : nil, buffered: buffer.count + (writerBusy ? 1 : 0),
            written: totalWritten, dropped: droppedLines, restarts: restartCount, report: report,
            downMessage: downMessage, lastFailure: lastFailure, stderr: stderrTail)
    }

    // MARK: - Writer thread

    private func writeLoop() {
        condition.lock()
        while true {
            while !stopped && (buffer.isEmpty || stdinFD < 0) && !(stopping && stdinFD < 0 && buffer.isEmpty) {
                condition.wait()
            }
            if stopped || (stopping && stdinFD < 0) { break }
            let line = buffer.removeFirst()
            let fd = stdinFD
            let gen = generation
            writerBusy = true
            writerFD = fd
            condition.unlock()
            let ok = Self.writeAll(fd, line)
            condition.lock()
            writerBusy = false
            writerFD = -1
            if closeAfterWrite {
                close(fd)
                closeAfterWrite = false
            }
            if ok && gen == generation {
                totalWritten += 1
                generationWritten += 1
            } else {
                // The process died with this line in flight: it is lost, and said so.
                droppedLines += 1
                if gen == generation && stdinFD == fd { closeStdin() }
            }
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Closes the current stdin pipe, or leaves that to the writer if it is writing to it
    /// (closing under it could let the number be reused by another file meanwhile).
    private func closeStdin() {
        guard stdinFD >= 0 else { return }
        if writerBusy && writerFD == stdinFD { closeAfterWrite = true } else { close(stdinFD) }
        stdinFD = -1
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    // MARK: - Supervisor thread

    private func supervise() {
        var failures = 0
        while true {
            condition.lock()
            if stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                PluginProcess.live.withLock { $0[ObjectIdentifier(self)] = nil }
                return
            }
            condition.unlock()
            let started = ContinuousClock.now
            let outcome = runOnce()
            let ranFor = ContinuousClock.now - started
            if ranFor >= options.stableAfter { failures = 0 }
            let delay = Backoff(initial: options.initialBackoff, cap: options.maxBackoff, jitter: false)
                .nominal(attempt: failures + 1)
            failures += 1
            condition.lock()
            if stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                PluginProcess.live.withLock { $0[ObjectIdentifier(self)] = nil }
                return
            }
            let detail = report.error.map { ": \($0)" } ?? ""
            downMessage = "\(outcome), restarting in \(Self.format(delay))\(detail)"
            restartCount += 1
            condition.broadcast()
            let wakeAt = Date(timeIntervalSinceNow: Self.seconds(delay))
            while !stopping && Date() < wakeAt { _ = condition.wait(until: wakeAt) }
            condition.unlock()
        }
    }

    /// Starts the process, reads its stdout until it closes, and reaps it; says how it ended.
    private func runOnce() -> String {
        guard let pipes = Self.makePipes() else { return "cannot create pipes: \(String(cString: strerror(errno)))" }
        let (inRead, inWrite, outRead, outWrite, errRead, errWrite) = pipes
        var env = environment
        env["CHARM_TELEMETRY_PLUGIN"] = label
        let spawned = Self.spawn(executable, arguments, env, stdin: inRead, stdout: outWrite, stderr: errWrite)
        close(inRead)
        close(outWrite)
        close(errWrite)
        guard case .success(let child) = spawned else {
            close(inWrite)
            close(outRead)
            close(errRead)
            if case .failure(let code) = spawned { return "cannot start \(executable): \(String(cString: strerror(code)))" }
            return "cannot start \(executable)"
        }
        condition.lock()
        generation += 1
        pid = child
        running = true
        stdinFD = inWrite
        generationWritten = 0
        acked = 0
        heardFrom = false
        startedAt = .now
        downMessage = nil
        lastFailure = nil
        report = PluginReport()
        if stopping { closeStdin() }
        condition.broadcast()
        condition.unlock()

        let errThread = Thread { [self] in readStderr(errRead) }
        errThread.name = "charm-plugin-\(label)-stderr"
        errThread.start()
        readReports(outRead)
        close(outRead)

        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        condition.lock()
        running = false
        closeStdin()
        if status != 0 && !signalledByUs { lastFailure = Self.describe(status) }
        condition.broadcast()
        condition.unlock()
        return Self.describe(status)
    }

    private func readReports(_ fd: Int32) {
        Self.readLines(fd) { apply($0) }
    }

    /// Reads `fd` to its end, handing over each line without its newline. A line past 16 KiB
    /// is handed over in pieces, so a plugin that never ends a line cannot grow our memory.
    private static func readLines(_ fd: Int32, _ handle: ([UInt8]) -> Void) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: chunk[0..<n])
            while let nl = pending.firstIndex(of: 0x0A) {
                handle(Array(pending[..<nl]))
                pending.removeSubrange(...nl)
            }
            if pending.count > 16_384 {
                handle(pending)
                pending.removeAll()
            }
        }
        if !pending.isEmpty { handle(pending) }
    }

    private func apply(_ line: [UInt8]) {
        guard !line.isEmpty else { return }
        // Parse first and record "heard from" together with what the line says, under one
        // lock: a flush that saw "heard from" before "acks" would stop waiting for acks.
        let parsed = PluginReport(line: line)
        condition.lock()
        heardFrom = true
        guard let r = parsed else {
            condition.broadcast()
            condition.unlock()
            keep("stdout: " + String(decoding: line, as: UTF8.self))
            return
        }
        if let h = r.health { report.health = h }
        // An error stays until a newer one replaces it: "ok" after a failure means recovered,
        // and the monitor should still show what went wrong last.
        if let e = r.error { report.error = e }
        if let a = r.ack {
            acking = true
            acked = max(acked, a)
        }
        if let s = r.sent { report.sent = s }
        if let d = r.dropped { report.dropped = d }
        condition.broadcast()
        condition.unlock()
    }

    private func readStderr(_ fd: Int32) {
        Self.readLines(fd) { keep(String(decoding: $0, as: UTF8.self)) }
        close(fd)
    }

    private func keep(_ line: String) {
        condition.lock()
        stderrTail.append(line)
        if stderrTail.count > options.stderrLines { stderrTail.removeFirst(stderrTail.count - options.stderrLines) }
        condition.unlock()
    }

    // MARK: - Process plumbing

    /// Three pipes, every end close-on-exec so no other child inherits them (the spawn's
    /// `dup2` onto 0, 1 and 2 clears the flag on the copies the plugin gets).
    private static func makePipes() -> (Int32, Int32, Int32, Int32, Int32, Int32)? {
        var fds: [Int32] = []
        for _ in 0..<3 {
            var p: [Int32] = [0, 0]
            guard pipe(&p) == 0 else {
                fds.forEach { close($0) }
                return nil
            }
            for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            fds += p
        }
        return (fds[0], fds[1], fds[2], fds[3], fds[4], fds[5])
    }

    private enum Spawned {
        case success(pid_t)
        case failure(Int32)
    }

    private static func spawn(
        _ path: String, _ args: [String], _ env: [String: String], stdin: Int32, stdout: Int32, stderr: Int32
    ) -> Spawned {
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
        // Its own process group (so stop() can signal everything it started), and a normal
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
        return rc == 0 ? .success(child) : .failure(rc)
    }

    /// "exited with status N" or "killed by signal N", from a `waitpid` status.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        return signal == 0 ? "exited with status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
    }

    /// How long after starting a plugin may take to write its first stdout line.
    static let handshakeWindow: Duration = .seconds(5)

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// "0.5s", "2s", "30s": short, for the status line.
    static func format(_ d: Duration) -> String {
        let s = seconds(d)
        return s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s)
    }
}
