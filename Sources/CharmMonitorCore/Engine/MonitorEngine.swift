import CharmTelemetry
import CharmWire
import Synchronization

/// The monitor's engine: applies what every source delivers to one `MonitorModel` and
/// dispatches each hook event to the enabled exporters through a `TelemetryManager`.
///
/// Sources call `ingest` from their own threads; the model sits behind a `Mutex`, which is
/// the single ordered inbox: records of one source keep their order, and records of several
/// sources interleave in the order their batches arrived. Dispatch happens inside the same
/// critical section so exporters see events in exactly the model's order; it only enqueues,
/// so it never blocks on an exporter. The front end reads a small view-model of what is on
/// screen through `readForView` at its frame rate, never a copy of the whole model.
package final class MonitorEngine: Sendable {
    private struct State: Sendable {
        var model: MonitorModel
        /// Exporter failures already turned into error entries, by name.
        var seenFailures: [String: UInt64] = [:]
        /// Exporter drops already turned into error entries, by name.
        var seenDrops: [String: UInt64] = [:]
        var seenWarnings = 0
        var seenUnavailable: Set<String> = []
        /// Changes applied and not yet handed to the recorder (empty between locked sections).
        var pending: [RecordedEntry] = []

        /// Hands what was applied in this locked section to `recorder`.
        mutating func record(_ recorder: (any EngineRecorder)?, waitingUpTo limit: Duration? = nil) {
            guard let recorder, !pending.isEmpty else { return }
            recorder.enqueue(&pending, waitingUpTo: limit)
        }

        /// Applies `change` to the model the way a replay will, and keeps it for the recorder.
        mutating func applyAndKeep(_ entry: RecordedEntry, recording: Bool) {
            model.replay(entry)
            if recording { pending.append(entry) }
        }
    }

    private let state: Mutex<State>
    /// The manager every hook event is dispatched through.
    package let manager: TelemetryManager
    /// Where every applied change goes when the monitor records (see `EngineRecorder`): it
    /// is called under the lock, once per locked section, and only enqueues. The lock's
    /// release (the `Mutex`) orders the model change before the entry's hand-over; the
    /// recorder's own lock orders the hand-over before its writer thread reads the entry.
    package let recorder: (any EngineRecorder)?

    /// An engine over `manager` (which should be made with `emitter: nil`: the monitor must
    /// not write events to its own stdout), recording to `recorder` when given.
    package init(manager: TelemetryManager, limits: RetentionLimits = .standard, recorder: (any EngineRecorder)? = nil) {
        self.manager = manager
        self.recorder = recorder
        self.state = Mutex(State(model: MonitorModel(limits: limits)))
        syncExporterProblems()
    }

    /// An engine without exporters whose model is `model` (a recorded session replayed):
    /// for `charm-monitor open`, which shows it and records nothing.
    package init(replayed model: MonitorModel) {
        self.manager = TelemetryManager(enabledExporters: [], registry: ExporterRegistry(), emitter: nil)
        self.recorder = nil
        self.state = Mutex(State(model: model))
    }

    /// An engine with a new manager enabling `exporters` from `registry`, without the emitter.
    package convenience init(
        exporters: [String] = [], registry: ExporterRegistry = .shared, limits: RetentionLimits = .standard
    ) {
        self.init(manager: TelemetryManager(enabledExporters: exporters, registry: registry, emitter: nil), limits: limits)
    }

    // MARK: Input

    /// Applies a batch of records from one source, and dispatches their hook events.
    package func ingest(_ records: [DecodedRecord], from source: SourceID, at: Timestamp = .now()) {
        let manager = self.manager
        let recorder = self.recorder
        state.withLock { s in
            // Index the buffer rather than `for r in records`: the loop variable would be a
            // copy of each record (a retain and release of every string and array in it),
            // which profiled as a fifth of the ingest path.
            records.withUnsafeBufferPointer { buf in
                for i in buf.indices { MonitorEngine.apply(buf[i], to: &s.model, manager: manager, source: source, at: at) }
                guard recorder != nil else { return }
                s.pending.reserveCapacity(buf.count)
                for i in buf.indices { s.pending.append(RecordedEntry(at: at, source: source, change: .record(buf[i]))) }
            }
            s.record(recorder)
        }
    }

    /// Decodes and applies in one pass: `produce` is called once, under the engine's lock,
    /// with a function to call for each record, which is applied as it is made, without being
    /// collected or copied. For a reader that owns the thread;
    /// sources that decode concurrently use `ingest(_:from:at:)` to keep decoding outside
    /// the lock.
    package func ingest(
        from source: SourceID, at: Timestamp = .now(), _ produce: (_ apply: (DecodedRecord) -> Void) -> Void
    ) {
        let manager = self.manager
        let recorder = self.recorder
        state.withLock { s in
            if recorder == nil {
                produce { r in MonitorEngine.apply(r, to: &s.model, manager: manager, source: source, at: at) }
            } else {
                produce { r in
                    MonitorEngine.apply(r, to: &s.model, manager: manager, source: source, at: at)
                    s.pending.append(RecordedEntry(at: at, source: source, change: .record(r)))
                }
                s.record(recorder)
            }
        }
    }

    @inline(__always)
    private static func apply(
        _ r: DecodedRecord, to model: inout MonitorModel, manager: TelemetryManager, source: SourceID, at: Timestamp
    ) {
        model.apply(r, source: source, at: at)
        r.forEachHookEvent { manager.dispatch($0) }
    }

    /// Applies a batch from a source that can wait (a file read to its end, stdin), waiting
    /// for room in the exporters' queues instead of dropping: such a source reads far faster
    /// than an exporter writes, and nothing valid may be lost to that. The rules are
    /// `TelemetryManager.dispatch(_:waitingUpTo:)`'s: never waits for a disabled exporter,
    /// and an exporter that takes nothing for `limit` is taken as hung (its events are then
    /// dropped and counted). Room is waited for before the engine's lock is taken, a chunk
    /// at a time, so live sources and the UI are not held up meanwhile.
    ///
    /// The recorder is waited for the same way: a recording of a finite source must hold
    /// every record of it (a replay of it must give the model the monitor showed), and such
    /// a source can wait for the disk as it waits for exporters; live sources never wait.
    package func ingestWaiting(
        _ records: [DecodedRecord], from source: SourceID, upTo limit: Duration, at: Timestamp = .now()
    ) {
        let manager = self.manager
        let recorder = self.recorder
        // Indexed through the buffer, never bound to a loop variable or an `if case let`:
        // either copies the record (a retain and release of every string in it), which
        // profiled as a third of the apply thread.
        records.withUnsafeBufferPointer { buf in
            var start = 0
            while start < buf.count {
                let end = min(buf.count, start + 256)
                var hooks = 0
                for i in start..<end { hooks += buf[i].hookEventCount }
                if hooks > 0 { manager.waitForRoom(hooks, upTo: limit) }
                recorder?.waitForRoom(end - start, upTo: limit)
                state.withLock { s in
                    for i in start..<end {
                        s.model.apply(buf[i], source: source, at: at)
                        // Room was made above; this waits only if a live source took it.
                        buf[i].forEachHookEvent { manager.dispatch($0, waitingUpTo: limit) }
                    }
                    guard recorder != nil else { return }
                    for i in start..<end { s.pending.append(RecordedEntry(at: at, source: source, change: .record(buf[i]))) }
                    s.record(recorder, waitingUpTo: limit)
                }
                start = end
            }
        }
    }

    /// Applies events that came as themselves (the OTLP receiver's, made from spans), and
    /// dispatches each to the exporters, in order.
    package func ingest(events: [TelemetryEvent], from source: SourceID, at: Timestamp = .now()) {
        let manager = self.manager
        let recorder = self.recorder
        state.withLock { s in
            for e in events {
                s.applyAndKeep(RecordedEntry(at: at, source: source, change: .received(e)), recording: recorder != nil)
                manager.dispatch(e)
            }
            s.record(recorder)
        }
    }

    /// Adds lines made from log records received over OTLP to the log, in order.
    package func log(_ lines: [(text: String, source: SourceID, at: Timestamp)]) {
        let recording = recorder != nil
        state.withLock { s in
            for l in lines { s.applyAndKeep(RecordedEntry(at: l.at, source: l.source, change: .log(l.text)), recording: recording) }
            s.record(recorder)
        }
    }

    /// Applies one record from `source`.
    package func ingest(_ record: DecodedRecord, from source: SourceID, at: Timestamp = .now()) {
        ingest([record], from: source, at: at)
    }

    /// Shows `traces` as the OTLP traces waiting for their agents.
    package func setPendingTraces(_ traces: [PendingTrace]) { state.withLock { $0.model.setPendingTraces(traces) } }

    /// Judges runs by `rules` from now on (see `Detectors`).
    package func setRules(_ rules: DetectorRules) { state.withLock { $0.model.setRules(rules) } }

    /// Runs the detectors' time-based rules at `now` (see `MonitorModel.checkDetectors`).
    package func checkDetectors(now: Timestamp = .now()) { state.withLock { $0.model.checkDetectors(now: now) } }

    /// Prices LLM calls from `table` from now on.
    package func setPrices(_ table: PriceTable) { state.withLock { $0.model.prices = table } }

    /// Records a source's state change (a failure with its error).
    package func sourceChanged(_ source: SourceID, to newState: SourceState, error: String? = nil, at: Timestamp = .now()) {
        let recorder = self.recorder
        state.withLock { s in
            s.applyAndKeep(
                RecordedEntry(at: at, source: source, change: .sourceState(newState, error: error)), recording: recorder != nil)
            s.record(recorder)
        }
    }

    /// Counts records lost before reaching the engine.
    package func noteDropped(_ n: Int) {
        let recorder = self.recorder
        state.withLock { s in
            s.applyAndKeep(RecordedEntry(at: .now(), source: "", change: .dropped(n)), recording: recorder != nil)
            s.record(recorder)
        }
    }

    /// Records an exporter problem as an error entry (kept for the recorder too).
    private func addExporterError(_ message: String, at: Timestamp, in s: inout State) {
        s.applyAndKeep(RecordedEntry(at: at, source: "", change: .exporterError(message)), recording: recorder != nil)
    }

    // MARK: Output

    /// A copy of the model (copy-on-write: cheap until the engine next changes it).
    package func snapshot() -> MonitorModel { state.withLock { $0.model } }

    /// Reads the model in place, without copying it.
    package func read<R>(_ body: (MonitorModel) -> R) -> R { state.withLock { body($0.model) } }

    /// Reads the model in place for a view, after bringing the indexes a view reads up to
    /// date (the flattened run tree, rebuilt only if runs were added, removed or moved
    /// since). The front end builds each frame's small `UIFrame` in `body` and draws it
    /// after the lock is released; `body` must not keep the model (a kept copy would make
    /// the next ingest copy what it changes).
    package func readForView<R>(_ body: (MonitorModel) -> R) -> R {
        state.withLock { s in
            s.model.refreshRunTree()
            return body(s.model)
        }
    }

    // MARK: Exporters

    /// Turns exporter `name` on or off at run time. Returns why enabling failed (also
    /// recorded as an error entry), or `nil` on success.
    @discardableResult
    package func setExporter(_ name: String, enabled: Bool) -> String? {
        do {
            try manager.setEnabled(name, enabled)
            return nil
        } catch {
            let message = error.description
            state.withLock { s in
                addExporterError(message, at: .now(), in: &s)
                s.record(recorder)
            }
            return message
        }
    }

    /// Every exporter's counters and state, in the manager's order.
    package func exporterStatistics() -> [ExporterStatistics] { manager.statistics() }

    /// Turns new manager warnings (unknown names, missing secrets) and new exporter failures
    /// into error entries. Cheap; the front end calls it once per frame, headless at the end.
    package func syncExporterProblems() {
        let warnings = manager.warnings
        let stats = manager.statistics()
        let now = Timestamp.now()
        state.withLock { s in
            for w in warnings.dropFirst(s.seenWarnings) { addExporterError(w, at: now, in: &s) }
            s.seenWarnings = max(s.seenWarnings, warnings.count)
            for st in stats {
                let seen = s.seenFailures[st.name] ?? 0
                if st.failed > seen {
                    let what = st.lastError ?? "hook failed"
                    addExporterError("exporter '\(st.name)': \(st.failed - seen) failure(s); last: \(what)", at: now, in: &s)
                    s.seenFailures[st.name] = st.failed
                }
                // Drops are losses too: each new batch of them becomes an error entry, so the
                // UI shows them where failures are shown (the panel shows the total).
                let seenDrops = s.seenDrops[st.name] ?? 0
                if st.dropped > seenDrops {
                    let why = st.lastError.map { "; last error: \($0)" } ?? ""
                    addExporterError("exporter '\(st.name)': \(st.dropped - seenDrops) event(s) dropped\(why)", at: now, in: &s)
                    s.seenDrops[st.name] = st.dropped
                }
            }
            s.record(recorder)
        }
    }

    /// Waits for exporters to deliver what they were given, up to `timeout`.
    package func flush(timeout: Duration) -> TelemetryManager.FlushReport { manager.flush(timeout: timeout) }

    /// Ends every run still open as unfinished: marks it so in the model and dispatches a
    /// `run_end` with status `unfinished` for it (children first), so span exporters send
    /// it, marked not ok, instead of never. Call it when the monitor exits, after the
    /// sources stopped and before `shutdown`. Returns how many runs it ended.
    @discardableResult
    package func finishOpenRuns() -> Int {
        let manager = self.manager
        let recorder = self.recorder
        return state.withLock { s in
            let open = s.model.markUnfinished()
            if recorder != nil { s.pending.append(RecordedEntry(at: .now(), source: "", change: .unfinished)) }
            s.record(recorder)
            for r in open {
                manager.dispatch(.runEnd(outputs: [:], status: .unfinished), runID: r.id, parentRunID: r.parent)
            }
            return open.count
        }
    }

    /// Delivers what exporters hold and shuts every one down (exec plugins are stopped, span
    /// exporters end what is open), waiting at most `timeout` plus
    /// `TelemetryManager.shutdownGrace`. Blocks the calling thread.
    package func shutdown(timeout: Duration) -> TelemetryManager.FlushReport { manager.shutdown(timeout: timeout) }

    /// The headless summary of the current model, with every exporter's counters in
    /// `"exporters"` (see docs/headless.md).
    package func headlessSummary() -> JSONValue {
        let exporters = manager.statistics().filter { $0.unavailableReason == nil }.map(\.headlessSummary)
        guard case .object(var o) = read({ $0.headlessSummary() }) else { return .null }
        o["exporters"] = .array(exporters)
        return .object(o)
    }
}
