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
        /// Producers blocked in a waiting offer until the worker frees room.
        var roomWaiters = 0
        /// Set when a waiting offer found no room for its whole limit: the exporter is taken
        /// as hung, and waiting offers drop at once (counted) until it takes an item again.
        var stalled = false
    }

    let name: String
    let exporter: any TelemetryExporter
    let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled (once per waiting producer) when the worker takes items off a full queue.
    private let room = DispatchSemaphore(value: 0)
    private let enabledFlag = Atomic<Bool>(true)

    init(name: String, exporter: any TelemetryExporter, capacity: Int) {
        self.name = name
        self.exporter = exporter
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in self.run() }
        thread.name = "charm-exporter-\(name)"
        thread.start()
    }

    /// Relaxed: the flag is only a switch read on every offer; an offer racing a toggle may
    /// go either way, which is the documented contract of `enable`/`disable`. Turning it off
    /// wakes producers waiting for room, so nobody waits for a disabled exporter.
    var enabled: Bool {
        get { enabledFlag.load(ordering: .relaxed) }
        set {
            enabledFlag.store(newValue, ordering: .relaxed)
            if !newValue { wakeRoomWaiters() }
        }
    }

    private func wakeRoomWaiters() {
        let n = state.withLock { s -> Int in
            defer { s.roomWaiters = 0 }
            return s.roomWaiters
        }
        for _ in 0..<n { room.signal() }
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

    /// Queues an event, waiting while the queue is full (for finite sources, which can wait):
    /// never for a disabled or shut-down exporter, and at most `limit` without the worker
    /// taking anything. Past that the exporter is taken as hung: this event is dropped and
    /// counted, and later waiting offers drop at once until the worker makes progress.
    func offer(_ event: TelemetryEvent, waitingUpTo limit: Duration) {
        guard enabledFlag.load(ordering: .relaxed) else { return }
        var deadline: ContinuousClock.Instant?
        while true {
            guard admit(event, deadline: deadline) != nil else { return }
            let d = deadline ?? .now.advanced(by: limit)
            deadline = d
            if !waitForRoom(until: d) { return }
        }
    }

    /// Waits (outside any caller's lock) until the queue has room for `count` more events,
    /// with the same rules as the waiting offer; nothing is queued.
    func waitForRoom(_ count: Int, upTo limit: Duration) {
        let need = max(1, min(count, capacity / 2))
        let deadline = ContinuousClock.now.advanced(by: limit)
        while enabledFlag.load(ordering: .relaxed) {
            let full = state.withLock { s -> Bool in
                if s.closed || s.stalled || capacity - s.queue.count >= need { return false }
                s.roomWaiters += 1
                return true
            }
            if !full { return }
            if ContinuousClock.now >= deadline {
                state.withLock { $0.stalled = true }
                return
            }
            _ = room.wait(timeout: DispatchTime.now() + .milliseconds(Int(min(100, max(1, Self.milliseconds(until: deadline))))))
        }
    }

    /// One attempt of a waiting offer: nil when settled (queued, dropped or refused), true
    /// when the caller must wait for room. A timed-out wait (`deadline` passed) drops.
    private func admit(_ event: TelemetryEvent, deadline: ContinuousClock.Instant?) -> Bool? {
        var signalWorker = false
        let outcome = state.withLock { s -> Bool? in
            if s.closed { return nil }
            if s.queue.count < capacity {
                s.queue.append(.event(event))
                if s.waiting {
                    s.waiting = false
                    signalWorker = true
                }
                return nil
            }
            if s.stalled || (deadline.map { ContinuousClock.now >= $0 } ?? false) {
                s.stalled = true
                s.dropped &+= 1
                return nil
            }
            s.roomWaiters += 1
            return true
        }
        if signalWorker { wake.signal() }
        return outcome
    }

    /// Sleeps until the worker frees room, in slices so that a disabled exporter is noticed;
    /// false when the exporter was disabled meanwhile (the event is then not queued, as for
    /// a plain offer to a disabled exporter).
    private func waitForRoom(until deadline: ContinuousClock.Instant) -> Bool {
        let ms = min(100, max(1, Self.milliseconds(until: deadline)))
        _ = room.wait(timeout: DispatchTime.now() + .milliseconds(Int(ms)))
        return enabledFlag.load(ordering: .relaxed)
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int64 {
        let c = ContinuousClock.now.duration(to: deadline).components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
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

    /// How long a worker that just ran out of events naps before looking again, and how many
    /// empty naps it takes before it sleeps until signalled. While events flow, producers
    /// never make a system call (no wake-up per event); the cost is a bound of one nap on
    /// the latency of an event that arrives while the worker naps.
    static let napMilliseconds = 1
    static let napsBeforeSleep = 50

    private func run() {
        var batch: [Item] = []
        batch.reserveCapacity(256)
        var emptyNaps = 0
        while true {
            let freed = state.withLock { s -> Int in
                let n = min(256, s.queue.count)
                var events = 0
                for _ in 0..<n {
                    let item = s.queue.removeFirst()
                    if case .event = item { events += 1 } else { s.controls -= 1 }
                    batch.append(item)
                }
                s.inFlight = events
                if n == 0 && emptyNaps >= ExporterWorker.napsBeforeSleep { s.waiting = true }
                guard n > 0 else { return 0 }
                // Progress: an exporter taken as hung is live again, and waiting producers
                // may go on.
                s.stalled = false
                defer { s.roomWaiters = 0 }
                return s.roomWaiters
            }
            for _ in 0..<freed { room.signal() }
            if batch.isEmpty {
                if emptyNaps >= ExporterWorker.napsBeforeSleep {
                    wake.wait()
                    emptyNaps = 0
                } else {
                    _ = wake.wait(timeout: .now() + .milliseconds(ExporterWorker.napMilliseconds))
                    emptyNaps += 1
                }
                continue
            }
            emptyNaps = 0
            var delivered: UInt64 = 0
            var failed: UInt64 = 0
            var lastError: String?
            // Events of this batch not handled yet: what `inFlight` must say when a flush or
            // shutdown ticket is signalled mid-batch (its waiter reads the statistics next).
            var unhandled = batch.reduce(0) { n, item in if case .event = item { n + 1 } else { n } }
            for item in batch {
                switch item {
                case .event(let e):
                    unhandled -= 1
                    if let error = handle(e) {
                        failed &+= 1
                        lastError = error
                    } else {
                        delivered &+= 1
                    }
                case .flush(let ticket):
                    commit(delivered: &delivered, failed: &failed, lastError: &lastError)
                    state.withLock { $0.inFlight = unhandled }
                    let ok = exporter.flush(deadline: ticket.deadline)
                    ticket.result.withLock { $0 = ok }
                    ticket.done.signal()
                case .shutdown(let ticket):
                    commit(delivered: &delivered, failed: &failed, lastError: &lastError)
                    state.withLock { $0.inFlight = 0 }
                    let ok = exporter.flush(deadline: ticket.deadline)
                    exporter.shutdown()
                    ticket.result.withLock { $0 = ok }
                    ticket.done.signal()
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
            try exporter.handle(e)
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
            lastError: s.4.map(URLScrubbing.scrub), lastErrorAt: s.5, health: s.6 > 0 ? .failing : .ok)
        if let reporting = exporter as? any ExporterStatusReporting {
            let own = reporting.status
            stats.health = own.health
            stats.queued += own.buffered
            stats.dropped &+= UInt64(max(0, own.dropped))
            // Scrubbed here too, whatever the exporter did: plugins report free text.
            if let e = own.lastError { stats.lastError = URLScrubbing.scrub(e) }
        }
        return stats
    }
}
