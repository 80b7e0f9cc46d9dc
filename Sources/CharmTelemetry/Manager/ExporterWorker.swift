import DequeModule
import Dispatch
import Foundation
import Synchronization

/// One exporter's reader of the dispatch ring, and the dedicated thread that runs it.
///
/// The worker reads the ring from its own cursor, in order, and hands each event that was
/// dispatched while it was enabled to its exporter. It never makes the producer wait: when it
/// falls more than its window behind, the oldest events it has not read are skipped (lapped)
/// and counted exactly, so what it delivers is in order with counted gaps, and after a stall
/// it resumes with the newest events. A dedicated OS thread rather than a task, because an
/// exporter that blocks must not take a thread of the cooperative pool away from everyone
/// else: a hung exporter stalls only its own thread.
final class ExporterWorker: Sendable {
    enum Control: Sendable {
        case flush(FlushTicket)
        case shutdown(FlushTicket)
    }

    /// Completed by the worker when every event dispatched before it has been handled.
    final class FlushTicket: Sendable {
        let done = DispatchSemaphore(value: 0)
        let deadline: ContinuousClock.Instant
        let result = Mutex<Bool>(false)
        init(deadline: ContinuousClock.Instant) { self.deadline = deadline }
    }

    struct State {
        /// The next position not yet taken from the ring.
        var cursor: UInt64
        var enablement: EnablementLog
        /// Where a shutdown was asked: positions from here on are neither delivered nor counted.
        var closedAt: UInt64?
        /// Flush and shutdown tickets, each handled once the cursor reaches its position.
        var controls = Deque<(at: UInt64, control: Control)>()
        /// Events taken from the ring and not yet handled (the batch in hand).
        var inFlight = 0
        var delivered: UInt64 = 0
        var dropped: UInt64 = 0
        var failed: UInt64 = 0
        var lastError: String?
        var lastErrorAt: Timestamp?
        var recentFailures = 0
        /// Producers waiting in `waitForRoom` until the worker takes events.
        var roomWaiters = 0
        /// Set when a waiting producer found no room for its whole limit: the exporter is taken
        /// as hung, and waiting producers do not wait for it until it takes events again.
        var stalled = false
    }

    let name: String
    let exporter: any TelemetryExporter
    /// How far behind the newest event the worker may fall before it is lapped (its queue
    /// capacity, at most the ring's `maximumWindow`).
    let window: UInt64
    private let ring: DispatchRing
    /// A `SpinLocked` rather than a `Mutex` for the thread sanitizer's sake (see `SpinLock`).
    private let state: SpinLocked<State>
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled (once per waiting producer) when the worker takes events.
    private let room = DispatchSemaphore(value: 0)

    /// A worker whose first position is `start`; call `start()` to run its thread.
    init(name: String, exporter: any TelemetryExporter, capacity: Int, ring: DispatchRing, start: UInt64) {
        self.name = name
        self.exporter = exporter
        self.window = min(UInt64(max(1, capacity)), ring.maximumWindow)
        self.ring = ring
        self.state = SpinLocked(State(cursor: start, enablement: EnablementLog(enabled: true)))
    }

    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "charm-exporter-\(name)"
        thread.start()
    }

    /// Whether events dispatched from now on are for this exporter.
    var enabled: Bool { state.withLock { $0.enablement.current } }

    /// Records an enable or disable at ring position `p` (called under the ring's producer
    /// lock, so it falls exactly between two dispatches), and adjusts `readers`, the ring's
    /// count of readers the next writes are owed to. Returns how many producers wait for room:
    /// the caller wakes them with `wakeRoomWaiters` after leaving the producer lock, so that
    /// nobody waits for a disabled exporter and no system call runs under that lock.
    func setEnabled(_ on: Bool, at p: UInt64, readers: inout Int) -> Int {
        state.withLock { s -> Int in
            let was = s.enablement.current && s.closedAt == nil
            s.enablement.record(on, at: p)
            if s.closedAt == nil, was != on { readers += on ? 1 : -1 }
            guard !on else { return 0 }
            defer { s.roomWaiters = 0 }
            return s.roomWaiters
        }
    }

    /// Wakes `count` producers waiting for room (what `setEnabled` returned).
    func wakeRoomWaiters(_ count: Int) {
        for _ in 0..<count { room.signal() }
    }

    /// Waits until the worker is at least `count` events (at most half its window) from being
    /// lapped: for finite sources, which can wait. Never for a disabled or shut-down exporter,
    /// and not past `deadline` (one for the whole call, shared by every exporter); past that
    /// the exporter is taken as hung and later calls return at
    /// once (its events are then lapped and counted) until it takes events again.
    func waitForRoom(_ count: Int, until deadline: ContinuousClock.Instant) {
        let need = UInt64(max(1, min(count, Int(window / 2))))
        while true {
            let full = state.withLock { s -> Bool in
                if !s.enablement.current || s.closedAt != nil || s.stalled { return false }
                // `end` read under the worker's lock: the cursor cannot have moved past it.
                if Self.hasRoom(end: ring.end, cursor: s.cursor, window: window, need: need) { return false }
                s.roomWaiters += 1
                return true
            }
            if !full { return }
            if ContinuousClock.now >= deadline {
                state.withLock { $0.stalled = true }
                return
            }
            let ms = min(100, max(1, Self.milliseconds(until: deadline)))
            if room.wait(timeout: DispatchTime.now() + .milliseconds(Int(ms))) == .timedOut {
                // No signal was spent on this wait: take it back, or the count drifts up and
                // later signals go to nobody.
                state.withLock { if $0.roomWaiters > 0 { $0.roomWaiters -= 1 } }
            }
        }
    }

    /// Whether a reader at `cursor` can take `need` more events before being lapped. A cursor
    /// at or past `end` (an `end` read before the reader took newer events) has the whole
    /// window: never a wrapped, huge distance that would make a healthy reader look full.
    static func hasRoom(end: UInt64, cursor: UInt64, window: UInt64, need: UInt64) -> Bool {
        let behind = end > cursor ? end - cursor : 0
        return behind < window && window - behind >= need
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int64 {
        ContinuousClock.now.duration(to: deadline).clampedNanoseconds / 1_000_000
    }

    /// Queues a flush or shutdown, handled after every event dispatched before this call;
    /// false when the worker is already shut down.
    func enqueueControl(_ control: Control) -> Bool {
        let accepted: Bool
        if case .shutdown = control {
            // At the next position, under the producer lock: later writes are no longer owed
            // to this reader, so the ring does not keep them for it.
            accepted = ring.atNextPosition(countingReaders: { p, readers in
                state.withLock { s -> Bool in
                    if s.closedAt != nil { return false }
                    if s.enablement.current { readers -= 1 }
                    s.closedAt = p
                    s.controls.append((p, control))
                    return true
                }
            })
        } else {
            accepted = state.withLock { s -> Bool in
                if s.closedAt != nil { return false }
                // Read under the worker's lock, so tickets queued one after another carry
                // non-decreasing positions.
                let at = ring.end
                s.controls.append((at, control))
                return true
            }
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// How long a worker that just ran out of events naps before looking again, and how many
    /// empty naps it takes before it sleeps until a dispatch signals it. While events flow,
    /// producers never make a system call (no wake-up per event); the cost is a bound of one
    /// nap on the latency of an event that arrives while the worker naps.
    static let napMilliseconds = 1
    static let napsBeforeSleep = 50
    /// Events taken from the ring at a time.
    static let batchSize: UInt64 = 256

    private enum Step {
        case lapped(from: UInt64, to: UInt64, enablement: EnablementLog)
        case read(from: UInt64, to: UInt64, enablement: EnablementLog)
        case control(Control)
        case idle(seen: UInt64)
    }

    /// What to do next, decided under the worker's lock from the ring's end: lap if too far
    /// behind (counting exactly the enabled positions skipped), run a control that is due, or
    /// take the next batch of positions.
    private func nextStep() -> Step {
        let end = ring.end
        return state.withLock { s -> Step in
            if end &- s.cursor > window {
                let to = end &- window
                let from = s.cursor
                let stop = min(to, s.closedAt ?? to)
                s.dropped &+= s.enablement.count(from: from, to: stop)
                s.cursor = to
                // Positions a whole ring behind `end` are overwritten already.
                let held = max(from, stop > ring.capacity ? stop - ring.capacity : 0)
                if stop > held { return .lapped(from: held, to: stop, enablement: s.enablement) }
            }
            if let first = s.controls.first, first.at <= s.cursor {
                s.controls.removeFirst()
                return .control(first.control)
            }
            var to = end
            // A disabled stretch with nothing after it is skipped whole; otherwise a batch.
            if s.enablement.current || !s.enablement.isSettled(after: s.cursor) {
                to = min(to, s.cursor &+ Self.batchSize)
            }
            if let first = s.controls.first { to = min(to, first.at) }
            guard to > s.cursor else { return .idle(seen: s.cursor) }
            return .read(from: s.cursor, to: to, enablement: s.enablement)
        }
    }

    private func run() {
        var batch: [TelemetryEvent] = []
        batch.reserveCapacity(Int(Self.batchSize))
        var emptyNaps = 0
        while true {
            switch nextStep() {
            case .lapped(let from, let to, let enablement):
                // The skipped events still in the ring are no longer owed to this reader.
                enablement.forEachEnabledRange(from: from, to: to) { range in
                    for p in range { ring.skip(p) }
                }
            case .idle(let seen):
                if emptyNaps >= Self.napsBeforeSleep {
                    if ring.sleep(wake, ifNothingAfter: seen) { wake.wait() }
                    emptyNaps = 0
                } else {
                    _ = wake.wait(timeout: .now() + .milliseconds(Self.napMilliseconds))
                    emptyNaps += 1
                }
            case .control(.flush(let ticket)):
                let ok = exporter.flush(deadline: ticket.deadline)
                ticket.result.withLock { $0 = ok }
                ticket.done.signal()
            case .control(.shutdown(let ticket)):
                let ok = exporter.flush(deadline: ticket.deadline)
                exporter.shutdown()
                ticket.result.withLock { $0 = ok }
                ticket.done.signal()
                return
            case .read(let from, let to, let enablement):
                emptyNaps = 0
                var lost: UInt64 = 0
                enablement.forEachEnabledRange(from: from, to: to) { range in
                    for p in range {
                        if let e = ring.read(p) { batch.append(e) } else { lost &+= 1 }
                    }
                }
                let waiters = state.withLock { s -> Int in
                    s.cursor = to
                    s.dropped &+= lost
                    s.inFlight = batch.count
                    s.enablement.forget(upTo: to)
                    // Progress: an exporter taken as hung is live again, and waiting
                    // producers may go on.
                    s.stalled = false
                    defer { s.roomWaiters = 0 }
                    return s.roomWaiters
                }
                for _ in 0..<waiters { room.signal() }
                handle(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Hands a batch to the exporter, then commits the counters once.
    private func handle(_ batch: [TelemetryEvent]) {
        guard !batch.isEmpty else { return }
        var delivered: UInt64 = 0
        var failed: UInt64 = 0
        var lastError: String?
        for e in batch {
            if let error = handle(e) {
                failed &+= 1
                lastError = error
            } else {
                delivered &+= 1
            }
        }
        let now = lastError == nil ? nil : Timestamp.now()
        state.withLock { s in
            s.inFlight = 0
            s.delivered &+= delivered
            s.failed &+= failed
            if let lastError {
                s.lastError = lastError
                s.lastErrorAt = now
                s.recentFailures += Int(failed)
            } else if delivered > 0 {
                s.recentFailures = 0
            }
        }
    }

    /// One event; the error text if the exporter threw.
    @inline(never)
    private func handle(_ e: TelemetryEvent) -> String? {
        do {
            try exporter.handle(e)
            return nil
        } catch {
            return "\(e.hook.pythonMethod): \(error)"
        }
    }

    /// The counters now. A worker that has not read for a while (a hung exporter) is lapped
    /// here as it would be when it next reads, so its dropped count is exact at any moment.
    func statistics() -> ExporterStatistics {
        let end = ring.end
        let s = state.withLock { s in
            let stop = min(end, s.closedAt ?? end)
            var from = s.cursor
            var lapped: UInt64 = 0
            if end &- from > window {
                let to = min(end &- window, stop)
                if to > from {
                    lapped = s.enablement.count(from: from, to: to)
                    from = to
                }
            }
            let waiting = stop > from ? s.enablement.count(from: from, to: stop) : 0
            return (
                s.enablement.current, s.delivered, s.dropped &+ lapped, s.failed, Int(waiting) + s.inFlight, s.lastError,
                s.lastErrorAt, s.recentFailures
            )
        }
        var stats = ExporterStatistics(
            name: name, enabled: s.0, delivered: s.1, dropped: s.2, failed: s.3, queued: s.4,
            lastError: s.5.map(URLScrubbing.scrub), lastErrorAt: s.6, health: s.7 > 0 ? .failing : .ok)
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
