import Foundation
import Logging
import Synchronization

/// Dispatches lifecycle events to exporters: the Swift counterpart of Charm's
/// `TelemetryManager(enabled_exporters)`, without its flaw.
///
/// Charm calls each exporter inline on the agent's thread, so one slow exporter slows the
/// agent. Here `dispatch` writes the event once into a bounded ring (`DispatchRing`),
/// whatever the number of exporters; every exporter has its own worker thread that reads the
/// ring in order with its own cursor, and can throw, stall or hang without touching the caller
/// or the other exporters. The default `CharmEmitterExporter` always comes first, as in Charm.
public final class TelemetryManager: Sendable {
    /// Tuning; the defaults suit an agent process and the monitor alike.
    package struct Configuration: Sendable {
        /// Events each exporter may fall behind before the oldest it has not read are dropped
        /// (and counted). The ring holds this many events plus two batches, 512 (rounded up
        /// to a power of two), at least 16,384 and at most 2^20; a larger capacity, here or per
        /// exporter, is capped at the ring's size less those 512.
        package var queueCapacity: Int
        /// Where warnings go (unknown exporter names, exporters that could not be made).
        package var logger: Logger
        /// The ring's least size (rounded up to a power of two); nil for the default,
        /// `minimumRingCapacity`. Smaller only in stress tests, to make laps frequent.
        package var ringCapacity: Int?

        /// A configuration with every field given.
        package init(queueCapacity: Int = 16_384, logger: Logger = Logger(label: "charm.telemetry")) {
            self.queueCapacity = queueCapacity
            self.logger = logger
        }
    }

    private struct Slots {
        var workers: [ExporterWorker] = []
        /// Names asked for that could not be made, with the reason (shown by the monitor).
        var unavailable: [String: String] = [:]
        /// Set by `shutdown()`: an exporter added from then on is shut down at once.
        var shutDown = false
    }

    /// A `SpinLocked` rather than a `Mutex` for the thread sanitizer's sake (see `SpinLock`).
    private let slots = SpinLocked(Slots())
    private let ring: DispatchRing
    private let registry: ExporterRegistry
    private let context: ExporterContext
    private let configuration: Configuration
    private let warningsStore = Mutex<[String]>([])

    /// Sequence numbers increase per process, across managers, as the protocol requires.
    static let sequence = Atomic<UInt64>(0)

    /// Builds a manager: Charm's stdout emitter first, as in Charm, then each name in
    /// `enabledExporters` from `registry`, each made with `context`.
    /// An unknown name or an exporter that cannot be made is logged, never a crash.
    public convenience init(
        enabledExporters: [String] = [],
        registry: ExporterRegistry = .shared,
        context: ExporterContext = ExporterContext(environment: ProcessInfo.processInfo.environment)
    ) {
        self.init(enabledExporters: enabledExporters, registry: registry, context: context, emitter: CharmEmitterExporter())
    }

    /// Builds a manager: `emitter` first (`nil` leaves it out, as the monitor does since it
    /// owns the screen), then each name in `enabledExporters` from `registry`.
    package init(
        enabledExporters: [String] = [],
        registry: ExporterRegistry = .shared,
        context: ExporterContext = ExporterContext(environment: ProcessInfo.processInfo.environment),
        emitter: (any TelemetryExporter)?,
        configuration: Configuration = Configuration()
    ) {
        self.registry = registry
        self.context = context
        self.configuration = configuration
        // Room for the window plus the margin that keeps a lapped reader off the slots being
        // written; a ring size given explicitly (stress runs) is taken as it is.
        let window = min(max(1, configuration.queueCapacity), DispatchRing.maximumCapacity)
        self.ring = DispatchRing(
            minimumCapacity: configuration.ringCapacity.map { max($0, window) }
                ?? max(window + DispatchRing.margin, TelemetryManager.minimumRingCapacity))
        if let emitter { add(emitter, named: CharmEmitterExporter.name) }
        var seen = Set<String>()
        for name in enabledExporters where seen.insert(name).inserted && name != CharmEmitterExporter.name {
            do {
                try enable(name)
            } catch {
                warn(String(describing: error))
            }
        }
    }

    /// A manager dropped without `shutdown()` still ends its workers: each is asked to
    /// deliver what it holds and shut its exporter down, then its thread exits. Nothing
    /// waits here, so dropping a manager never blocks the agent, even on a hung exporter
    /// (whose thread ends when its hook returns).
    deinit {
        let workers = slots.withLock { $0.workers }
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        for w in workers { _ = w.enqueueControl(.shutdown(ExporterWorker.FlushTicket(deadline: deadline))) }
    }

    /// The ring's least size: the default queue capacity, so a manager configured with a small
    /// one can still give a single exporter a larger window. Its memory is touched only as
    /// events fill it.
    static let minimumRingCapacity = 16_384

    private func warn(_ message: String) {
        warningsStore.withLock { $0.append(message) }
        configuration.logger.warning("\(message)")
    }

    /// Warnings raised so far (unknown names, missing secrets), oldest first.
    package var warnings: [String] { warningsStore.withLock { $0 } }

    /// Slots of the ring still holding an event an exporter has yet to take (for tests: what
    /// dispatch keeps alive).
    package var ringOccupancy: Int { ring.occupiedSlots }

    /// Slots in the ring (for tests).
    package var ringSlots: Int { Int(ring.capacity) }

    /// Exporter workers asleep until the next dispatch (for tests).
    package var sleepingWorkers: Int { ring.sleeperCount }

    /// The registry the manager builds named exporters from.
    package var exporterRegistry: ExporterRegistry { registry }

    /// Adds an exporter instance under a name, enabled, with its own queue capacity (the
    /// configuration's by default). Replaces nothing: a second exporter with the same name is
    /// added beside the first. It receives the events dispatched after this call.
    package func add(_ exporter: any TelemetryExporter, named name: String, queueCapacity: Int? = nil) {
        let capacity = queueCapacity ?? configuration.queueCapacity
        let worker = ring.atNextPosition(countingReaders: { next, readers in
            readers += 1
            return ExporterWorker(name: name, exporter: exporter, capacity: capacity, ring: ring, start: next)
        })
        worker.start()
        let shutDown = slots.withLock { s -> Bool in
            s.workers.append(worker)
            s.unavailable[name] = nil
            return s.shutDown
        }
        // Added during or after shutdown(), which did not see it: shut down here, so its thread
        // does not outlive the manager's shutdown.
        if shutDown {
            _ = worker.enqueueControl(.shutdown(ExporterWorker.FlushTicket(deadline: ContinuousClock.now.advanced(by: .seconds(5)))))
        }
    }

    /// Enables `name`, building it from the registry the first time.
    /// Events dispatched after this call reach it; earlier ones do not.
    package func enable(_ name: String) throws(ExporterSetupError) {
        if let w = worker(named: name) {
            _ = ring.atNextPosition(countingReaders: { w.setEnabled(true, at: $0, readers: &$1) })
            return
        }
        do {
            let exporter = try registry.make(name, context: context)
            add(exporter, named: name)
        } catch {
            slots.withLock { $0.unavailable[name] = error.description }
            throw error
        }
    }

    /// Stops queueing events for `name`: events dispatched after this call do not reach it;
    /// those dispatched before are still delivered.
    package func disable(_ name: String) {
        guard let w = worker(named: name) else { return }
        let waiters = ring.atNextPosition(countingReaders: { w.setEnabled(false, at: $0, readers: &$1) })
        w.wakeRoomWaiters(waiters)
    }

    /// Enables or disables `name`.
    package func setEnabled(_ name: String, _ on: Bool) throws(ExporterSetupError) {
        if on { try enable(name) } else { disable(name) }
    }

    /// Whether events currently reach `name`.
    package func isEnabled(_ name: String) -> Bool { worker(named: name)?.enabled ?? false }

    private func worker(named name: String) -> ExporterWorker? {
        slots.withLock { $0.workers.first { $0.name == name } }
    }

    /// Every exporter added or asked for, in order, with its counters; names that could not be
    /// made appear disabled with `unavailableReason`.
    package func statistics() -> [ExporterStatistics] {
        let (workers, unavailable) = slots.withLock { ($0.workers, $0.unavailable) }
        var out = workers.map { $0.statistics() }
        for (name, reason) in unavailable.sorted(by: { $0.key < $1.key }) where !out.contains(where: { $0.name == name }) {
            out.append(ExporterStatistics(name: name, enabled: false, health: .failing, unavailableReason: reason))
        }
        return out
    }

    /// Hands an already-built event to every enabled exporter: one write into the ring,
    /// whatever the number of exporters. Never waits for an exporter, never throws.
    package func dispatch(_ event: consuming TelemetryEvent) {
        ring.publish(event)
    }

    /// Hands an event to every enabled exporter, waiting while a queue is full instead of
    /// dropping: for producers that can wait, such as the monitor replaying a file or stdin,
    /// so a fast reader loses nothing. Never waits for a disabled or shut-down exporter. An
    /// exporter whose full queue takes nothing before `limit` is up (one limit for the whole
    /// call, not one per exporter) is taken as hung: the
    /// event is dropped for it (counted in `dropped`), and so are later waiting events, at
    /// once, until it takes one again — a hung exporter cannot stop the replay. (What a
    /// full exporter loses is the oldest events it has not read: it is lapped, and counts them.)
    package func dispatch(_ event: TelemetryEvent, waitingUpTo limit: Duration) {
        let workers = slots.withLock { $0.workers }
        // One deadline for all: a call waits at most `limit`, not `limit` per exporter.
        let deadline = ContinuousClock.now.advanced(by: limit)
        for w in workers { w.waitForRoom(1, until: deadline) }
        dispatch(event)
    }

    /// Waits until every enabled exporter's queue has room for `count` more events (at most
    /// half its capacity is asked for), with the rules of `dispatch(_:waitingUpTo:)`. Queues
    /// nothing: a caller that dispatches under a lock of its own calls this first, so that it
    /// rarely waits while holding that lock.
    package func waitForRoom(_ count: Int, upTo limit: Duration) {
        let workers = slots.withLock { $0.workers }
        let deadline = ContinuousClock.now.advanced(by: limit)
        for w in workers { w.waitForRoom(count, until: deadline) }
    }

    /// Builds an event with the next sequence number and the current time, and dispatches it.
    /// Returns nothing: the event is moved into its ring slot, and handing a copy back would cost
    /// the caller a copy and a destroy per event.
    package func dispatch(
        _ payload: consuming TelemetryEvent.Payload, runID: consuming String, parentRunID: consuming String? = nil,
        callID: consuming String? = nil
    ) {
        // The arguments are moved into the event; its number and time are set under the ring's
        // producer lock: with the number taken first and the event written after, two threads
        // could hand an exporter seq 5 before seq 4.
        let event = TelemetryEvent(
            seq: 0, timestamp: Timestamp(microseconds: 0), runID: runID, parentRunID: parentRunID, callID: callID,
            payload: payload)
        ring.publish(event) {
            $0.seq = TelemetryManager.nextSequence()
            $0.timestamp = .now()
        }
    }

    /// The next per-process sequence number.
    package static func nextSequence() -> UInt64 {
        sequence.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// The outcome of a flush or shutdown: the exporters that did not finish in time.
    public struct FlushReport: Sendable, Hashable {
        /// Names that were still busy at the deadline, or whose own flush reported failure.
        public var unfinished: [String]
        /// True when every exporter finished.
        public var complete: Bool { unfinished.isEmpty }
    }

    /// Waits until every exporter has handled what was queued before this call and flushed
    /// its own buffers, or until `timeout` passes. Blocks the calling thread: call it from
    /// shutdown paths, not from hot code.
    @discardableResult
    public func flush(timeout: Duration) -> FlushReport {
        drain(timeout: timeout) { .flush($0) }
    }

    /// Flushes (within `timeout`), then shuts every exporter down; later events are ignored.
    /// An exporter's own shutdown comes after its flush and may take up to
    /// `shutdownGrace` more (an exec plugin gets 2 s to exit after its stdin closes, then
    /// SIGTERM, then SIGKILL; an HTTP exporter's last attempt at most 2 s), so this waits at
    /// most `timeout + shutdownGrace`.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(5)) -> FlushReport {
        drain(timeout: timeout, grace: TelemetryManager.shutdownGrace, closing: true) { .shutdown($0) }
    }

    /// What `shutdown(timeout:)` waits beyond its timeout for exporters to stop.
    package static let shutdownGrace: Duration = .seconds(3)

    private func drain(
        timeout: Duration, grace: Duration = .zero, closing: Bool = false,
        _ make: (ExporterWorker.FlushTicket) -> ExporterWorker.Control
    ) -> FlushReport {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let waitDeadline = deadline.advanced(by: grace)
        // Marked under the same lock that lists the workers: an `add` either is listed here or
        // sees the mark and shuts its worker down itself.
        let workers = slots.withLock { s -> [ExporterWorker] in
            if closing { s.shutDown = true }
            return s.workers
        }
        var tickets: [(String, ExporterWorker.FlushTicket)] = []
        for w in workers {
            let t = ExporterWorker.FlushTicket(deadline: deadline)
            if w.enqueueControl(make(t)) { tickets.append((w.name, t)) }
        }
        var unfinished: [String] = []
        for (name, t) in tickets {
            let left = ContinuousClock.now.duration(to: waitDeadline)
            let ns = left.clampedNanoseconds
            if t.done.wait(timeout: .now() + .nanoseconds(Int(ns))) == .timedOut || !t.result.withLock({ $0 }) {
                unfinished.append(name)
            }
        }
        return FlushReport(unfinished: unfinished)
    }
}
