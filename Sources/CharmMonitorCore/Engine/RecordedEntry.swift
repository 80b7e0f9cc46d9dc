import CharmTelemetry
import CharmWire

/// One change the engine applied to its model, with when it was received and from which
/// source: what a recording stores, in the engine's order, and what `MonitorModel.replay`
/// applies again. Replaying every entry of a session, in order, into a model with the
/// session's limits and prices gives the model the session had (docs/recording.md).
package struct RecordedEntry: Sendable {
    /// When the engine received it (the model's receive time).
    package var at: Timestamp
    /// The source it came from (empty for changes that belong to no source: an exporter's
    /// problem, the runs ended at exit).
    package var source: SourceID
    /// What changed.
    package var change: RecordedChange

    /// An entry with every field given.
    package init(at: Timestamp, source: SourceID, change: RecordedChange) {
        self.at = at
        self.source = source
        self.change = change
    }
}

/// What a `RecordedEntry` did to the model: one case per mutating entry point the engine has.
package enum RecordedChange: Sendable {
    /// A decoded line (`MonitorModel.apply(_:source:at:)`).
    case record(DecodedRecord)
    /// An event that came as itself, an OTLP span's (`applyReceived`).
    case received(TelemetryEvent)
    /// A line made from an OTLP log record (`appendReceivedLog`).
    case log(String)
    /// A source's new state (`setSourceState`).
    case sourceState(SourceState, error: String?)
    /// Records lost before reaching the engine (`noteDropped`).
    case dropped(Int)
    /// An exporter's problem (`addExporterError`).
    case exporterError(String)
    /// The runs still open were ended as unfinished at exit (`markUnfinished`).
    case unfinished
}

extension MonitorModel {
    /// Applies `entry` exactly as the engine applied it when it was recorded.
    package mutating func replay(_ entry: RecordedEntry) {
        switch entry.change {
        case .record(let r): apply(r, source: entry.source, at: entry.at)
        case .received(let e): applyReceived(e, source: entry.source, at: entry.at)
        case .log(let text): appendReceivedLog(text, source: entry.source, at: entry.at)
        case .sourceState(let state, let error): setSourceState(entry.source, state, error: error, at: entry.at)
        case .dropped(let n): noteDropped(n)
        case .exporterError(let message): addExporterError(message, at: entry.at)
        case .unfinished: _ = markUnfinished()
        }
    }
}

/// Where the engine hands each change it applied, when the monitor records: a bounded
/// queue in front of a writer thread (CharmRecording's `SessionRecorder`).
///
/// Both calls are made under the engine's lock and must only enqueue, never write: the
/// ingest path never waits for the disk. `enqueue` takes the batch in one step (one lock of
/// the recorder's own per batch, not per entry).
package protocol EngineRecorder: AnyObject, Sendable {
    /// Takes `entries` (leaving the array empty, its capacity kept). With `waitingUpTo`
    /// nil, what does not fit the queue is counted as lost at once; with a duration (a
    /// finite source that can wait: stdin, a file read to its end), it waits for room up to
    /// that long first, since nothing valid may be lost to a replay that reads faster than
    /// the disk writes.
    func enqueue(_ entries: inout [RecordedEntry], waitingUpTo limit: Duration?)
    /// Waits, outside the engine's lock, until `count` entries would fit (or `limit` passed),
    /// so a waiting source seldom waits under the lock.
    func waitForRoom(_ count: Int, upTo limit: Duration)
}
