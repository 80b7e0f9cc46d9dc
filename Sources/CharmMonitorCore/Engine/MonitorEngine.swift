import CharmTelemetry
import Synchronization

/// The monitor's engine: applies what every source delivers to one `MonitorModel` and
/// dispatches each hook event to the enabled exporters through a `TelemetryManager`.
///
/// Sources call `ingest` from their own threads; the model sits behind a `Mutex`, which is
/// the single ordered inbox: records of one source keep their order, and records of several
/// sources interleave in the order their batches arrived. Dispatch happens inside the same
/// critical section so exporters see events in exactly the model's order; it only enqueues,
/// so it never blocks on an exporter. The front end reads `snapshot()` at its frame rate.
public final class MonitorEngine: Sendable {
    private struct State: Sendable {
        var model: MonitorModel
        /// Exporter failures already turned into error entries, by name.
        var seenFailures: [String: UInt64] = [:]
        var seenWarnings = 0
        var seenUnavailable: Set<String> = []
    }

    private let state: Mutex<State>
    /// The manager every hook event is dispatched through.
    public let manager: TelemetryManager

    /// An engine over `manager` (which should be made with `emitter: nil`: the monitor must
    /// not write events to its own stdout).
    public init(manager: TelemetryManager, limits: RetentionLimits = .standard) {
        self.manager = manager
        self.state = Mutex(State(model: MonitorModel(limits: limits)))
        syncExporterProblems()
    }

    /// An engine with a new manager enabling `exporters` from `registry`, without the emitter.
    public convenience init(
        exporters: [String] = [], registry: ExporterRegistry = .shared, limits: RetentionLimits = .standard
    ) {
        self.init(manager: TelemetryManager(enabledExporters: exporters, registry: registry, emitter: nil), limits: limits)
    }

    // MARK: Input

    /// Applies a batch of records from one source, and dispatches their hook events.
    public func ingest(_ records: [DecodedRecord], from source: SourceID, at: Timestamp = .now()) {
        let manager = self.manager
        state.withLock { s in
            // Index the buffer rather than `for r in records`: the loop variable would be a
            // copy of each record (a retain and release of every string and array in it),
            // which profiled as a fifth of the ingest path.
            records.withUnsafeBufferPointer { buf in
                for i in buf.indices { MonitorEngine.apply(buf[i], to: &s.model, manager: manager, source: source, at: at) }
            }
        }
    }

    /// Decodes and applies in one pass: `produce` is called once, under the engine's lock,
    /// with a function to call for each record, which is applied as it is made, without being
    /// collected or copied. For a reader that owns the thread, such as `HeadlessIngest`;
    /// sources that decode concurrently use `ingest(_:from:at:)` to keep decoding outside
    /// the lock.
    public func ingest(
        from source: SourceID, at: Timestamp = .now(), _ produce: (_ apply: (DecodedRecord) -> Void) -> Void
    ) {
        let manager = self.manager
        state.withLock { s in
            produce { r in MonitorEngine.apply(r, to: &s.model, manager: manager, source: source, at: at) }
        }
    }

    @inline(__always)
    private static func apply(
        _ r: DecodedRecord, to model: inout MonitorModel, manager: TelemetryManager, source: SourceID, at: Timestamp
    ) {
        model.apply(r, source: source, at: at)
        if case .event(let e) = r {
            e.hookEvents.forEach { manager.dispatch($0) }
        }
    }

    /// Applies one record from `source`.
    public func ingest(_ record: DecodedRecord, from source: SourceID, at: Timestamp = .now()) {
        ingest([record], from: source, at: at)
    }

    /// Records a source's state change (a failure with its error).
    public func sourceChanged(_ source: SourceID, to newState: SourceState, error: String? = nil, at: Timestamp = .now()) {
        state.withLock { $0.model.setSourceState(source, newState, error: error, at: at) }
    }

    /// Counts records lost before reaching the engine.
    public func noteDropped(_ n: Int) { state.withLock { $0.model.noteDropped(n) } }

    // MARK: Output

    /// A copy of the model (copy-on-write: cheap until the engine next changes it).
    public func snapshot() -> MonitorModel { state.withLock { $0.model } }

    /// Reads the model in place, without copying it.
    public func read<R>(_ body: (MonitorModel) -> R) -> R { state.withLock { body($0.model) } }

    // MARK: Exporters

    /// Turns exporter `name` on or off at run time. Returns why enabling failed (also
    /// recorded as an error entry), or `nil` on success.
    @discardableResult
    public func setExporter(_ name: String, enabled: Bool) -> String? {
        do {
            try manager.setEnabled(name, enabled)
            return nil
        } catch {
            let message = error.description
            state.withLock { $0.model.addExporterError(message, at: .now()) }
            return message
        }
    }

    /// Every exporter's counters and state, in the manager's order.
    public func exporterStatistics() -> [ExporterStatistics] { manager.statistics() }

    /// Turns new manager warnings (unknown names, missing secrets) and new exporter failures
    /// into error entries. Cheap; the front end calls it once per frame, headless at the end.
    public func syncExporterProblems() {
        let warnings = manager.warnings
        let stats = manager.statistics()
        let now = Timestamp.now()
        state.withLock { s in
            for w in warnings.dropFirst(s.seenWarnings) { s.model.addExporterError(w, at: now) }
            s.seenWarnings = max(s.seenWarnings, warnings.count)
            for st in stats {
                let seen = s.seenFailures[st.name] ?? 0
                if st.failed > seen {
                    let what = st.lastError ?? "hook failed"
                    s.model.addExporterError("exporter '\(st.name)': \(st.failed - seen) failure(s); last: \(what)", at: now)
                    s.seenFailures[st.name] = st.failed
                }
            }
        }
    }

    /// Waits for exporters to deliver what they were given, up to `timeout`.
    public func flush(timeout: Duration) -> TelemetryManager.FlushReport { manager.flush(timeout: timeout) }

    /// The headless summary of the current model.
    public func headlessSummary() -> JSONValue { read { $0.headlessSummary() } }
}
