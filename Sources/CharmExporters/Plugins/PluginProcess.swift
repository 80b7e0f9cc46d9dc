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
/// Three rules shape it. The caller never blocks: `send` offers the line to a bounded
/// `LineChannel` under a short lock, and a dedicated writer thread does the `write(2)`s, so
/// a plugin that stops reading fills its pipe, then the buffer, and further lines are
/// dropped and counted. A plugin that exits is restarted as its `RestartPolicy` says, and
/// the status says so. The child (a `ChildProcess`) runs in its own process group, so
/// stopping it also stops anything it started that still holds the pipe open.
///
/// Threads: the supervisor (`supervise`, in PluginProcess+Supervision.swift) starts, reads
/// and reaps each process in turn; the writer (`writeLoop`) drains the channel; one more
/// per process reads its stderr. All mutable state is in `state`, guarded by `condition`,
/// which is why the class is `@unchecked Sendable`.
final class PluginProcess: @unchecked Sendable {
    /// Tuning; the defaults suit a live agent.
    struct Options: Sendable {
        var bufferCapacity = 4096
        var stderrLines = 50
        var restart = RestartPolicy(
            backoff: Backoff(initial: .milliseconds(500), cap: .seconds(30), jitter: false), stableAfter: .seconds(10))
        /// Wait for acks from the start (the bridge always acks); other plugins opt in by acking.
        var acknowledges = false
        /// How long a stopping plugin gets after its stdin closes before it is signalled.
        var shutdownGrace: Duration = .seconds(2)
    }

    /// What `condition` guards.
    struct State {
        var channel: LineChannel
        var pid: pid_t = 0
        var running = false
        /// Set by `stop`: no restart follows, and the supervisor ends.
        var stopping = false
        /// Set by the supervisor as it ends, after `stopping`.
        var stopped = false
        var acking: Bool
        var acked = 0
        /// Whether the current process has written any stdout line yet (its handshake).
        var heardFrom = false
        var startedAt = ContinuousClock.now
        var restartCount = 0
        var report = PluginReport()
        var downMessage: String?
        /// How the last process ended when it failed on its own (non-zero status or a signal
        /// we did not send): kept through shutdown, when no restart message is made, so a
        /// plugin that dies at once on a short run is still reported.
        var lastFailure: String?
        /// Set when stopping signals the process group: its death is then ours, not a failure.
        var signalledByUs = false
        var stderrTail: [String] = []
    }

    let label: String
    let executable: String
    let arguments: [String]
    /// The plugin's environment: the one given, plus `CHARM_TELEMETRY_PLUGIN=label`.
    let environment: [String: String]
    let options: Options

    let condition = NSCondition()
    /// Guarded by `condition`.
    var state: State

    /// Every plugin process object not yet stopped, so that `stopAllNow` can reach them
    /// when the normal shutdown (one exporter at a time, on its worker) is cut short.
    static let live = Mutex<[ObjectIdentifier: PluginProcess]>([:])

    /// How long after starting a plugin may take to write its first stdout line.
    static let handshakeWindow: Duration = .seconds(5)

    init(label: String, executable: String, arguments: [String], environment: [String: String], options: Options) {
        _ = PipeIO.ignoreSIGPIPE
        self.label = label
        self.executable = executable
        self.arguments = arguments
        var env = environment
        env["CHARM_TELEMETRY_PLUGIN"] = label
        self.environment = env
        self.options = options
        self.state = State(channel: LineChannel(capacity: options.bufferCapacity), acking: options.acknowledges)
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
        guard !state.stopping else { return }
        if state.channel.offer(line) { condition.broadcast() }
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
            guard state.channel.isDrained else { return false }
            guard state.running else { return true }
            let decided = state.acking || state.heardFrom || ContinuousClock.now - state.startedAt >= Self.handshakeWindow
            return decided && (!state.acking || state.acked >= state.channel.generationWritten)
        }
        while !settled() {
            if state.stopped { return state.channel.isEmpty }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(Backoff.seconds(left), 0.25)))
        }
        return true
    }

    /// Closes the plugin's stdin, gives it `shutdownGrace` to finish, then signals its group.
    func stop() {
        condition.lock()
        beginStopping()
        _ = waitWhileRunning(until: Date(timeIntervalSinceNow: Backoff.seconds(options.shutdownGrace)))
        let pid = markSignalled()
        condition.unlock()
        guard let pid else { return }
        ChildProcess.signalGroup(pid, SIGTERM)
        condition.lock()
        let still = waitWhileRunning(until: Date(timeIntervalSinceNow: 0.5))
        condition.unlock()
        if still { ChildProcess.signalGroup(pid, SIGKILL) }
    }

    /// Stops every plugin process at once: stdin closed, SIGTERM to each process group,
    /// then SIGKILL to those still running after `grace`. No restarts follow.
    static func stopAllNow(grace: Duration) {
        let all = live.withLock { Array($0.values) }
        var signalled: [(PluginProcess, pid_t)] = []
        for p in all {
            p.condition.lock()
            p.beginStopping()
            let pid = p.markSignalled()
            p.condition.unlock()
            if let pid {
                ChildProcess.signalGroup(pid, SIGTERM)
                signalled.append((p, pid))
            }
        }
        let end = Date(timeIntervalSinceNow: Backoff.seconds(grace))
        for (p, pid) in signalled {
            p.condition.lock()
            let still = p.waitWhileRunning(until: end)
            p.condition.unlock()
            if still { ChildProcess.signalGroup(pid, SIGKILL) }
        }
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
        let s = state
        return Snapshot(
            running: s.running, pid: s.running ? s.pid : nil, buffered: s.channel.pending, written: s.channel.written,
            dropped: s.channel.dropped, restarts: s.restartCount, report: s.report, downMessage: s.downMessage,
            lastFailure: s.lastFailure, stderr: s.stderrTail)
    }

    // MARK: - Stopping (each called with `condition` held)

    /// No restart follows, and the plugin's stdin closes so that it can finish on its own.
    private func beginStopping() {
        state.stopping = true
        state.channel.closeStdin()
        condition.broadcast()
    }

    /// Waits while the process runs, at most until `end`; returns whether it still runs.
    private func waitWhileRunning(until end: Date) -> Bool {
        while state.running && Date() < end { _ = condition.wait(until: end) }
        return state.running
    }

    /// The running process's id, noted as about to be signalled by us; nil if none runs.
    private func markSignalled() -> pid_t? {
        guard state.running && state.pid > 0 else { return nil }
        state.signalledByUs = true
        return state.pid
    }

    // MARK: - Writer thread

    /// Writes the channel's lines to the current process until stopped. The lock is let go
    /// for each `write(2)`, so `send` never waits on a plugin that does not read.
    private func writeLoop() {
        condition.lock()
        while true {
            while !state.stopped && !state.channel.hasWork
                && !(state.stopping && state.channel.stdinFD < 0 && state.channel.isEmpty)
            {
                condition.wait()
            }
            if state.stopped || (state.stopping && state.channel.stdinFD < 0) { break }
            guard let flight = state.channel.takeForWriting() else { continue }
            condition.unlock()
            let ok = PipeIO.writeAll(flight.fd, flight.line)
            condition.lock()
            state.channel.finishWrite(flight, ok: ok)
            condition.broadcast()
        }
        condition.unlock()
    }

    /// "0.5s", "2s", "30s": short, for the status line.
    static func format(_ d: Duration) -> String {
        let s = Backoff.seconds(d)
        return s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s)
    }
}
