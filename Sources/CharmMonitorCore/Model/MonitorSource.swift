import CharmTelemetry

/// The name a source is shown under: `stdin`, `file:PATH`, `unix:PATH#3`, `tcp:127.0.0.1:7000#1`,
/// `sse:URL`, `demo`.
///
/// A plain string wrapper so the model stays independent of the code that reads sources.
package struct SourceID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The user-facing name.
    package var name: String

    /// A source id with the given name.
    package init(_ name: String) { self.name = name }

    /// A source id from a literal, for tests.
    package init(stringLiteral value: String) { self.name = value }

    package var description: String { name }

    package static func < (a: SourceID, b: SourceID) -> Bool { a.name < b.name }
}

/// What the model keeps of one source: its state (as the source reported it), its last
/// error, and its counters.
package struct MonitorSource: Sendable, Hashable {
    /// Which source.
    package var id: SourceID
    /// Its current state (`.failed` is shown with `lastError`).
    package var state: SourceState
    /// The last error it reported, kept after it recovers so the user can see what happened.
    package var lastError: String?
    /// When the state last changed.
    package var since: Timestamp
    /// Records (lines) it delivered; for a listener, those of its connections that ended.
    package var records: Int
    /// Heartbeats of Charm's runner seen (`thinking` "..." every 5 s while the container lives).
    package var heartbeats = 0
    /// The latest heartbeat: the source was alive then, even if its agent was quiet.
    package var lastHeartbeat: Timestamp?
    /// For a listener (`unix:PATH`, `tcp:HOST:PORT`): producers that have connected to it.
    package var connections = 0
    /// For a listener: connections that ended (or failed) and were folded into its totals.
    package var endedConnections = 0
    /// For a listener: connections that failed (refused, a connection error), of those ended.
    package var failedConnections = 0

    /// An entry with every field given.
    package init(id: SourceID, state: SourceState, lastError: String? = nil, since: Timestamp, records: Int = 0) {
        self.id = id
        self.state = state
        self.lastError = lastError
        self.since = since
        self.records = records
    }
}

// MARK: - Listener connections (issue 10.7)

/// Every connection to a listener is its own source while it lives, so its producer's
/// problems show on it alone. Once it ends its entry is folded into the listener's totals
/// (connections, records, heartbeats, failures) and removed: a listener that served 200,000
/// short connections keeps one entry, not 200,000 (memory, and a header drawn every frame).
extension MonitorModel {
    /// The listener `source` is a connection of — `unix:PATH#N` of `unix:PATH`,
    /// `tcp:HOST:PORT#N` of `tcp:HOST:PORT` (the names `CharmSources` gives) — when that
    /// listener is a known source. A name that only looks like one (a file called `x#2`) has
    /// no such listener and is left alone.
    func listener(of source: SourceID) -> SourceID? {
        let name = source.name
        guard name.hasPrefix("unix:") || name.hasPrefix("tcp:"), let hash = name.lastIndex(of: "#") else { return nil }
        let number = name.utf8[name.utf8.index(after: hash)...]
        guard !number.isEmpty, number.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let parent = SourceID(String(name[..<hash]))
        return sources[parent] != nil ? parent : nil
    }

    /// Counts a new source on its listener, if it is a connection.
    mutating func countConnection(_ source: SourceID) {
        guard let l = listener(of: source) else { return }
        sources[l]!.connections += 1
    }

    /// Folds an ended or failed connection into its listener and forgets it. The error it
    /// reported stays in the error list; the listener keeps it as its `lastError`.
    mutating func foldEndedConnection(_ source: SourceID) {
        guard let l = listener(of: source), let c = sources.removeValue(forKey: source) else { return }
        sources[l]!.records += c.records
        // Heartbeats are summed (the headless summary counts them), but the connection's
        // last beat is not the listener's: it must not show a live ♥ for a gone producer.
        sources[l]!.heartbeats += c.heartbeats
        sources[l]!.endedConnections += 1
        if c.state == .failed {
            sources[l]!.failedConnections += 1
            if let e = c.lastError { sources[l]!.lastError = e }
        }
        compactSourceOrder()
    }

    /// Drops ids of forgotten sources from `sourceOrder` once they are most of it, so
    /// pruning stays O(1) amortised.
    private mutating func compactSourceOrder() {
        guard sourceOrder.count > 64, sourceOrder.count > 2 * sources.count else { return }
        var seen = Set<SourceID>()
        sourceOrder = sourceOrder.filter { sources[$0] != nil && seen.insert($0).inserted }
    }

    /// `sourceOrder` read through `sources`: forgotten ids skipped, and an id listed twice
    /// (a forgotten name that came back before a compaction) shown once.
    func orderedSourceEntries() -> [MonitorSource] {
        // Each live source has an entry, so equal counts mean nothing stale or repeated.
        if sourceOrder.count == sources.count { return sourceOrder.compactMap { sources[$0] } }
        var seen = Set<SourceID>()
        return sourceOrder.compactMap { id in seen.insert(id).inserted ? sources[id] : nil }
    }
}
