import CharmTelemetry
import Synchronization

/// The part every span-based HTTP exporter shares: a span tracker fed by events, a mapping
/// from span changes to vendor items, and a delivery engine.
///
/// The tracker sits behind a mutex only to satisfy `Sendable`: its user is the exporter's
/// single worker thread, so the lock is never contended.
final class SpanExporterCore<Item: Sendable>: Sendable {
    typealias Mapper = @Sendable (SpanChange) -> [(Item, Int)]

    let engine: DeliveryEngine<Item>
    private let tracker: Mutex<SpanTracker>
    private let map: Mapper

    init(agentName: String, engine: DeliveryEngine<Item>, map: @escaping Mapper) {
        self.engine = engine
        self.tracker = Mutex(SpanTracker(agentName: agentName))
        self.map = map
    }

    func handle(_ event: TelemetryEvent) {
        let changes = tracker.withLock { $0.handle(event) }
        for c in changes { for (item, bytes) in map(c) { engine.append(item, bytes: bytes) } }
    }

    /// Items for extra, non-span records (Sentry's error events).
    func append(_ item: Item, bytes: Int) { engine.append(item, bytes: bytes) }

    func flush(deadline: ContinuousClock.Instant) -> Bool { engine.flush(deadline: deadline) }

    /// Ends the spans still open (nothing will end them now), sends them, and stops.
    func shutdown() {
        let changes = tracker.withLock { $0.closeAll(at: .now()) }
        for c in changes { for (item, bytes) in map(c) { engine.append(item, bytes: bytes) } }
        engine.shutdown()
    }

    var status: ExporterStatus { engine.status }
}
