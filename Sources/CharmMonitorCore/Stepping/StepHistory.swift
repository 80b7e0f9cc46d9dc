import CharmTelemetry
import CharmWire

/// One change of a session, replayable into a model: a line read from a file, an entry of
/// a recording. Stepping (`[` `]`) replays them in order up to the step shown.
package protocol ReplayableEntry: Sendable {
    /// Applies the change to `model` exactly as the engine applied it.
    func replay(into model: inout MonitorModel)
    /// Whether it carries a hook event of one of `runs`. Asked of every change of a long
    /// session when stepping starts: it must not build anything.
    func concerns(_ runs: Set<String>) -> Bool
    /// The time of its first hook event, if it carries one.
    var eventTime: Timestamp? { get }
}

/// A session's changes in the order they were applied, with the limits and prices its
/// model had: what stepping walks. Built once, on the first `[` or `]`, by the front end
/// (a replayed file read again, a recording's entries), then only read.
package struct StepHistory: Sendable {
    /// The changes, in order.
    package let entries: [any ReplayableEntry]
    /// The session's retention limits.
    package let limits: RetentionLimits
    /// The session's price table.
    package let prices: PriceTable

    /// A history of `entries`.
    package init(entries: [any ReplayableEntry], limits: RetentionLimits = .standard, prices: PriceTable = .builtin) {
        self.entries = entries
        self.limits = limits
        self.prices = prices
    }

    /// An empty model with the session's limits and prices: where a replay starts.
    package func emptyModel() -> MonitorModel {
        var model = MonitorModel(limits: limits)
        model.prices = prices
        return model
    }

    /// Indices of the entries about any of `runs`, in order.
    package func positions(of runs: Set<String>) -> [Int] {
        entries.indices.filter { entries[$0].concerns(runs) }
    }
}

/// A decoded line of a file, as `--file` applied it: what a replayed file's history is.
package struct FileLineEntry: ReplayableEntry {
    /// The line, decoded.
    package var record: DecodedRecord
    /// The file's source id (`file:PATH`).
    package var source: SourceID
    /// When it counts as received: the time of its event, else of the last event before it.
    package var at: Timestamp

    package func replay(into model: inout MonitorModel) { model.apply(record, source: source, at: at) }

    package func concerns(_ runs: Set<String>) -> Bool {
        guard case .event(let e) = record else { return false }
        return e.hookEvents.contains { runs.contains($0.runID) }
    }

    package var eventTime: Timestamp? {
        guard case .event(let e) = record else { return nil }
        return e.hookEvents.first?.timestamp
    }
}

extension StepHistory {
    /// The history of files read again: each file's lines decoded as `--file` decodes them,
    /// under the source id `file:PATH`, one file after another. A line counts as received
    /// at its event's time (the last one before it for a line without), since the time it
    /// was first read is not kept.
    package static func files(_ files: [(path: String, bytes: [UInt8])], limits: RetentionLimits, prices: PriceTable) -> StepHistory {
        var entries: [any ReplayableEntry] = []
        var at = Timestamp(microseconds: 0)
        for file in files {
            let source = SourceID("file:" + file.path)
            var decoder = StreamDecoder(sourceName: source.name)
            func add(_ record: DecodedRecord) {
                if case .event(let e) = record, let first = e.hookEvents.first { at = first.timestamp }
                entries.append(FileLineEntry(record: record, source: source, at: at))
            }
            decoder.feed(file.bytes, add)
            decoder.finish(add)
        }
        return StepHistory(entries: entries, limits: limits, prices: prices)
    }
}
