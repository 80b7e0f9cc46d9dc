import CharmTelemetry
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The supervisor thread: starts the plugin, reads what it reports, reaps it, and asks the
/// restart policy what follows, until the plugin is stopped.
extension PluginProcess {
    func supervise() {
        let policy = options.restart
        var exits = 0
        condition.lock()
        while !state.stopping {
            condition.unlock()
            let started = ContinuousClock.now
            let outcome = runOnce()
            exits = policy.exitsInARow(after: exits, ranFor: ContinuousClock.now - started)
            condition.lock()
            if state.stopping { break }
            let detail = state.report.error.map { ": \($0)" } ?? ""
            let wakeAt: Date?
            switch policy.decision(afterExit: exits) {
            case .restart(let delay):
                state.downMessage = "\(outcome), restarting in \(Self.format(delay))\(detail)"
                state.restartCount += 1
                wakeAt = Date(timeIntervalSinceNow: Backoff.seconds(delay))
            case .rest(let pause):
                state.downMessage =
                    "\(outcome), gave up after \(exits - 1) restarts in a row; starting again in \(Self.format(pause))\(detail)"
                state.restartCount += 1
                exits = 0
                wakeAt = Date(timeIntervalSinceNow: Backoff.seconds(pause))
            case .stayDown:
                state.downMessage = "\(outcome), gave up after \(exits - 1) restarts in a row\(detail)"
                // Nothing will read them: what waits is dropped, and so is what comes.
                state.channel.abandon()
                wakeAt = nil
            }
            condition.broadcast()
            while !state.stopping && wakeAt.map({ Date() < $0 }) ?? true {
                if let wakeAt { _ = condition.wait(until: wakeAt) } else { condition.wait() }
            }
        }
        state.stopped = true
        condition.broadcast()
        condition.unlock()
        PluginProcess.live.withLock { $0[ObjectIdentifier(self)] = nil }
    }

    /// Starts the process, reads its stdout until it closes, and reaps it; says how it ended.
    private func runOnce() -> String {
        let child: ChildProcess
        switch ChildProcess.spawn(executable, arguments: arguments, environment: environment) {
        case .success(let c): child = c
        case .failure(let error): return error.description
        }
        condition.lock()
        state.channel.attach(child.stdin)
        state.pid = child.pid
        state.running = true
        state.acked = 0
        state.heardFrom = false
        state.startedAt = .now
        state.downMessage = nil
        state.lastFailure = nil
        state.report = PluginReport()
        if state.stopping { state.channel.closeStdin() }
        condition.broadcast()
        condition.unlock()

        let errThread = Thread { [self] in
            PipeIO.readLines(child.stderr) { keep(String(decoding: $0, as: UTF8.self)) }
            close(child.stderr)
        }
        errThread.name = "charm-plugin-\(label)-stderr"
        errThread.start()
        PipeIO.readLines(child.stdout) { apply($0) }
        close(child.stdout)

        let status = child.waitForExit()
        condition.lock()
        state.running = false
        state.channel.closeStdin()
        if status != 0 && !state.signalledByUs { state.lastFailure = ChildProcess.describe(status) }
        condition.broadcast()
        condition.unlock()
        return ChildProcess.describe(status)
    }

    /// Takes one stdout line: a report (health, error, ack, counts), else kept with stderr.
    private func apply(_ line: [UInt8]) {
        guard !line.isEmpty else { return }
        // Parse first and record "heard from" together with what the line says, under one
        // lock: a flush that saw "heard from" before "acks" would stop waiting for acks.
        let parsed = PluginReport(line: line)
        condition.lock()
        state.heardFrom = true
        guard let r = parsed else {
            condition.broadcast()
            condition.unlock()
            keep("stdout: " + String(decoding: line, as: UTF8.self))
            return
        }
        if let h = r.health { state.report.health = h }
        // An error stays until a newer one replaces it: "ok" after a failure means recovered,
        // and the monitor should still show what went wrong last.
        if let e = r.error { state.report.error = e }
        if let a = r.ack {
            state.acking = true
            state.acked = max(state.acked, a)
        }
        if let s = r.sent { state.report.sent = s }
        if let d = r.dropped { state.report.dropped = d }
        condition.broadcast()
        condition.unlock()
    }

    /// Keeps one line of the stderr tail.
    private func keep(_ line: String) {
        condition.lock()
        state.stderrTail.append(line)
        if state.stderrTail.count > options.stderrLines {
            state.stderrTail.removeFirst(state.stderrTail.count - options.stderrLines)
        }
        condition.unlock()
    }
}
