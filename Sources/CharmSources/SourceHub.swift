import CharmTelemetry
import CharmWire
import Foundation
import Synchronization

/// Starts and supervises every source, delivering all of them into one sink.
///
/// One source failing (a file that vanishes, a producer that disconnects mid-line, an SSE
/// server that goes away) is reported on that source and never stops the others.
package final class SourceHub: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var listeners: [SocketListener] = []
        var tasks: [Task<Void, Never>] = []
        var openFailures = 0
    }

    private let sink: any SourceSink
    /// What the hub's own sources deliver into: `sink`, with their failures noted for
    /// `failedSources`. Listener connections use `sink` directly: one producer's problem
    /// is its own, not the monitor's.
    private let trackedSink: FailureTrackingSink
    private let state = Mutex(State())
    /// The one record of `stop()`: readers poll it, and `waitForFiniteSources` checks it
    /// under `state`'s lock (set before that lock is taken in `stop`, so a waiter either
    /// sees it or is resumed by `stop`).
    private let stopFlag = StopFlag()
    /// Seconds between polls of a followed file at its end.
    package let pollInterval: Double
    /// Replaces the sleep between polls of a followed file: tests use it to act between two
    /// polls deterministically, instead of hoping a sleep lands in the right place.
    package let followPoll: (@Sendable () -> Void)?
    /// The first SSE reconnect delay in seconds (doubled per failure).
    package let sseInitialBackoff: Double
    /// Seconds an SSE attempt may take to get the response head (connecting included).
    package let sseConnectTimeout: Double
    /// The longest line (and SSE frame) an SSE source keeps; longer ones are skipped and
    /// counted as oversized.
    package let sseMaxLineLength: Int

    /// A hub delivering into `sink`.
    package convenience init(
        sink: any SourceSink, pollInterval: Double = 0.2, sseInitialBackoff: Double = 0.5, sseConnectTimeout: Double = 5
    ) {
        self.init(
            sink: sink, pollInterval: pollInterval, followPoll: nil, sseInitialBackoff: sseInitialBackoff,
            sseConnectTimeout: sseConnectTimeout, sseMaxLineLength: StreamDecoder.defaultMaxLineLength)
    }

    /// A hub whose SSE sources keep lines and frames of at most `sseMaxLineLength` bytes (tests
    /// use a small limit instead of sending 16 MiB).
    package convenience init(sink: any SourceSink, sseInitialBackoff: Double, sseConnectTimeout: Double = 5, sseMaxLineLength: Int) {
        self.init(
            sink: sink, pollInterval: 0.2, followPoll: nil, sseInitialBackoff: sseInitialBackoff,
            sseConnectTimeout: sseConnectTimeout, sseMaxLineLength: sseMaxLineLength)
    }

    /// A hub whose followed files wait on `followPoll` between polls instead of sleeping.
    package convenience init(sink: any SourceSink, followPoll: @escaping @Sendable () -> Void) {
        self.init(
            sink: sink, pollInterval: 0, followPoll: followPoll, sseInitialBackoff: 0.5, sseConnectTimeout: 5,
            sseMaxLineLength: StreamDecoder.defaultMaxLineLength)
    }

    private init(
        sink: any SourceSink, pollInterval: Double, followPoll: (@Sendable () -> Void)?, sseInitialBackoff: Double,
        sseConnectTimeout: Double, sseMaxLineLength: Int
    ) {
        self.sink = sink
        self.trackedSink = FailureTrackingSink(inner: sink)
        self.pollInterval = pollInterval
        self.followPoll = followPoll
        self.sseInitialBackoff = sseInitialBackoff
        self.sseConnectTimeout = sseConnectTimeout
        self.sseMaxLineLength = sseMaxLineLength
    }

    /// Sources that could not be opened (a missing file, a port in use, an SSE server never
    /// reached).
    package var openFailures: Int { state.withLock { $0.openFailures } }

    /// Sources that failed, whether they never opened or failed later (an SSE stream given up
    /// on after a drop, a read error): the headless exit code is 1 when there is one.
    /// Connections to a listener are not counted: a producer refused or cut is that
    /// producer's problem, shown on its own source.
    package var failedSources: Int { trackedSink.failedCount }

    /// What `start` returns: the source's name and, for listeners, the bound port.
    package struct Started: Sendable {
        /// The display name.
        package var name: String
        /// The TCP port actually bound (useful when 0 was asked for).
        package var port: Int?
    }

    /// Starts one source. Listeners are bound before this returns, so a bind error is thrown
    /// here (and also reported on the source); everything else reports problems on its source.
    @discardableResult
    package func start(_ spec: SourceSpec) async throws(SourceSetupError) -> Started {
        let name = spec.displayName
        switch spec {
        case .stdin, .file:
            let (path, follow, speed): (String?, Bool, Double?) =
                if case .file(let p, let f, let s) = spec { (p, f, s) } else { (nil, false, nil) }
            begin()
            let sink = self.trackedSink
            let stop = stopFlag
            let poll = followPoll ?? { [interval = pollInterval] in sleepSeconds(interval) }
            let thread = Thread { [self] in
                // Decoding the next read overlaps applying the last one (see PipelinedSink).
                let pipeline = PipelinedSink(inner: sink, name: name)
                var reader = FileSource(
                    path: path, follow: follow, replaySpeed: speed, waitForPoll: poll, stop: stop,
                    pump: DecodingPump(name: name, sink: pipeline))
                reader.settle = { pipeline.drain() }
                let opened = reader.run()
                pipeline.close()
                if !opened { noteOpenFailure() }
                end()
            }
            thread.name = "charm-source \(name)"
            thread.start()
            return Started(name: name)
        case .unix(let path):
            let l = try await startListener(name) { try await SocketListener.unix(path: path, sink: sink) }
            return Started(name: l.name)
        case .tcp(let host, let port, let token):
            let l = try await startListener(name) {
                try await SocketListener.tcp(host: host, port: port, token: token, sink: sink)
            }
            return Started(name: l.name, port: l.localPort)
        case .sse(let url, let retries):
            let backoff = sseInitialBackoff
            let connectTimeout = sseConnectTimeout
            let maxLine = sseMaxLineLength
            runTask { [self] sink in
                var pump = DecodingPump(name: name, sink: sink, maxLineLength: maxLine)
                pump.watchesRunFinished = true
                var source = SSESource(
                    url: url, maxRetries: retries, initialBackoff: backoff, maxBackoff: 30,
                    connectTimeout: connectTimeout, pump: pump)
                if await source.run() == .neverOpened { noteOpenFailure() }
            }
            return Started(name: name)
        case .demo(_, let bytes):
            runTask { sink in
                var pump = DecodingPump(name: name, sink: sink)
                pump.enter(.open)
                for await chunk in bytes {
                    chunk.withUnsafeBytes { pump.feed($0) }
                }
                pump.finish()
                pump.enter(.ended)
            }
            return Started(name: name)
        }
    }

    /// Binds a listener made by `make`, reporting it as connecting then open (under the name
    /// it bound, when that differs: a TCP port 0 becomes the port given); a failure is
    /// reported on `name`, counted, and thrown.
    private func startListener(
        _ name: String, _ make: () async throws -> SocketListener
    ) async throws(SourceSetupError) -> SocketListener {
        sink.stateChanged(.connecting, of: name, error: nil)
        do {
            let l = try await make()
            state.withLock { $0.listeners.append(l) }
            if l.name != name { sink.stateChanged(.ended, of: name, error: nil) }
            sink.stateChanged(.open, of: l.name, error: nil)
            return l
        } catch {
            throw failedToStart(name, error)
        }
    }

    /// Runs a finite source as a task the hub cancels on `stop()`, delivering into the
    /// failure-tracking sink; `waitForFiniteSources` waits for it.
    private func runTask(_ body: @escaping @Sendable (FailureTrackingSink) async -> Void) {
        begin()
        let task = Task { [self] in
            await body(trackedSink)
            end()
        }
        state.withLock { $0.tasks.append(task) }
    }

    private func failedToStart(_ name: String, _ error: any Error) -> SourceSetupError {
        let e = (error as? SourceSetupError) ?? SourceSetupError(source: name, reason: "\(error)")
        noteOpenFailure()
        trackedSink.stateChanged(.failed, of: name, error: e.reason)
        return e
    }

    private func noteOpenFailure() { state.withLock { $0.openFailures += 1 } }

    private func begin() { state.withLock { $0.running += 1 } }

    private func end() {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.running -= 1
            guard s.running <= 0 else { return [] }
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in ready { w.resume() }
    }

    /// Returns when every finite source has ended (listeners and followed files never do)
    /// or `stop()` was called.
    package func waitForFiniteSources() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.running <= 0 || stopFlag.isSet { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Stops everything: listeners close, followers and readers stop at their next poll,
    /// SSE tasks are cancelled, and waiters return at once.
    package func stop() {
        stopFlag.set()
        let (listeners, tasks, waiters) = state.withLock { s in
            defer { s.waiters.removeAll() }
            return (s.listeners, s.tasks, s.waiters)
        }
        for l in listeners { l.close() }
        for t in tasks { t.cancel() }
        for w in waiters { w.resume() }
    }
}

/// Passes everything on to `inner`, keeping the names of sources whose latest state is
/// `failed` (a later state, such as a followed file coming back, clears it).
final class FailureTrackingSink: SourceSink {
    let inner: any SourceSink
    private let failed = Mutex<Set<String>>([])

    init(inner: any SourceSink) { self.inner = inner }

    var failedCount: Int { failed.withLock { $0.count } }

    func deliver(_ records: [DecodedRecord], from source: String) { inner.deliver(records, from: source) }

    func stateChanged(_ state: SourceState, of source: String, error: String?) {
        failed.withLock { set in
            if state == .failed { set.insert(source) } else { set.remove(source) }
        }
        inner.stateChanged(state, of: source, error: error)
    }
}
