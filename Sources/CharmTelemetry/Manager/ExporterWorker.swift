import DequeModule
import Dispatch
import Foundation
import Synchronization

/// One exporter's bounded queue and the dedicated thread that drains it.
///
/// Modelled on OpenTelemetry's BatchSpanProcessor: the producer only appends under a short
/// lock (and signals a semaphore when the worker sleeps), so the agent never waits for an
/// exporter; when the queue is full the NEWEST event is dropped and counted, so what the
/// exporter does receive is an in-order prefix with gaps, never reordered. A dedicated OS
/// thread rather than a task, because a hook that blocks must not take a thread of the
/// cooperative pool away from everyone else: a hung exporter stalls only its own thread.
final class ExporterWorker: Sendable {
    enum Item: Sendable {
        case event(TelemetryEvent)
        case flush(FlushTicket)
        case shutdown(FlushTicket)
    }

    /// Completed by the worker when every item queued before it has been handled.
    final class FlushTicket: Sendable {
        let done = DispatchSemaphore(value: 0)
        let deadline: ContinuousClock.Instant
        let result = Mutex<Bool>(false)
        init(deadline: ContinuousClock.Instant) { self.deadline = deadline }
    }

    struct State {
        var queue = Deque<Item>()
        var waiting = false
        var closed = false
        var inFlight = 0
        /// Flush and shutdown markers in `queue`: not events, so not counted as queued.
        var controls = 0
        var delivered: UInt64 = 0
        var dropped: UInt64 = 0
        var failed: UInt64 = 0
        var lastError: String?
        var lastErrorAt: Timestamp?
        var recentFailures = 0
    }

    let name: String
    let exporter: any TelemetryExporter
    let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let enabledFlag = Atomic<Bool>(true)

    init(name: String, exporter: any TelemetryExporter, capacity: Int) {
        self.name = name
        self.exporter = exporter
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in self.run() }
        thread.name = "charm-exporter-\(name)"
        thread.start()
    }

    var enabled: Bool {
        get { enabledFlag.load(ordering: .relaxed) }
        set { enabledFlag.store(newValue, ordering: .relaxed) }
    }

    /// Queues an event if enabled and there is room; never blocks beyond a short lock.
    @inline(__always)
    func offer(_ event: TelemetryEvent) {
        guard enabledFlag.load(ordering: .relaxed) else { return }
        let signal = state.withLock { s -> Bool in
            if s.closed { return false }
            if s.queue.count >= capacity {
                s.dropped &+= 1
                return false
            }
            s.queue.append(.event(event))
            if s.waiting {
                s.waiting = false
                return true
            }
            return false
        }
        if signal { wake.signal() }
    }

    /// Queues a control item; these are never dropped.
    func enqueueControl(_ item: Item) -> Bool {
        let (accepted, signal) = state.withLock { s -> (Bool, Bool) in
            if s.closed { return (false, false) }
            if case .shutdown = item { s.closed = true }
            s.queue.append(item)
            s.controls += 1
            let sig = s.waiting
            s.waiting = false
            return (true, sig)
        }
        if signal { wake.signal() }
        return accepted
    }

    private func run() {
        var batch: [Item] = []
        batch.reserveCapacity(256)
        while true {
            state.withLock { s in
                let n = min(256, s.queue.count)
                var events = 0
                for _ in 0..<n {
                    let item = s.queue.removeFirst()
                    if case .event = item { events += 1 } else { s.controls -= 1 }
                    batch.append(item)
                }
                s.inFlight = events
                if n == 0 { s.waiting = true }
            }
            if batch.isEmpty {
                wake.wait()
                continue
            }
            var delivered: UInt64 = 0
            var failed: UInt64 = 0
            var lastError: String?
            for item in batch {
                switch item {
                case .event(let e):
                    if let error = handle(e) {
                        failed &+= 1
                        lastError = error
                    } else {
                        delivered &+= 1
                    }
                case .flush(let ticket):
                    commit(delivered: &delivered, failed: &failed, lastError: &lastError)
                    let ok = exporter.flush(deadline: ticket.deadline)
                    ticket.result.withLock { $0 = ok }
                    ticket.done.signal()
                case .shutdown(let ticket):
                    commit(delivered: &delivered, failed: &failed, lastError: &lastError)
                    let ok = exporter.flush(deadline: ticket.deadline)
                    exporter.shutdown()
                    ticket.result.withLock { $0 = ok }
                    ticket.done.signal()
                    state.withLock { $0.inFlight = 0 }
                    return
                }
            }
            commit(delivered: &delivered, failed: &failed, lastError: &lastError)
            state.withLock { $0.inFlight = 0 }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// One hook call; the error text if it threw. Kept out of line: inlined into `run`, the
    /// Swift 6.3 optimizer crashes (an ownership verifier failure) on the task-local binding.
    @inline(never)
    private func handle(_ e: TelemetryEvent) -> String? {
        do {
            try exporter.deliver(e)
            return nil
        } catch {
            return "\(e.hook.pythonMethod): \(error)"
        }
    }

    private func commit(delivered: inout UInt64, failed: inout UInt64, lastError: inout String?) {
        let d = delivered, f = failed, le = lastError
        delivered = 0
        failed = 0
        lastError = nil
        guard d > 0 || f > 0 else { return }
        let now = Timestamp.now()
        state.withLock { s in
            s.delivered &+= d
            s.failed &+= f
            if let le {
                s.lastError = le
                s.lastErrorAt = now
                s.recentFailures += Int(f)
            } else if d > 0 {
                s.recentFailures = 0
            }
        }
    }

    func statistics() -> ExporterStatistics {
        let s = state.withLock { s in
            (s.delivered, s.dropped, s.failed, s.queue.count - s.controls + s.inFlight, s.lastError, s.lastErrorAt, s.recentFailures)
        }
        var stats = ExporterStatistics(
            name: name, enabled: enabled, delivered: s.0, dropped: s.1, failed: s.2, queued: s.3,
            lastError: s.4, lastErrorAt: s.5, health: s.6 > 0 ? .failing : .ok)
        if let reporting = exporter as? any ExporterStatusReporting {
            let own = reporting.status
            stats.health = own.health
            stats.queued += own.buffered
            stats.dropped &+= UInt64(max(0, own.dropped))
            if let e = own.lastError { stats.lastError = e }
        }
        return stats
    }
}
