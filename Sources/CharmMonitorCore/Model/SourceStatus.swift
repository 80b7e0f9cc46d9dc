import CharmTelemetry

/// The name a source is shown under: `stdin`, `file:PATH`, `unix:PATH#3`, `tcp:127.0.0.1:7000#1`,
/// `sse:URL`, `demo`.
///
/// A plain string wrapper so the model stays independent of the code that reads sources.
public struct SourceID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The user-facing name.
    public var name: String

    /// A source id with the given name.
    public init(_ name: String) { self.name = name }

    /// A source id from a literal, for tests.
    public init(stringLiteral value: String) { self.name = value }

    public var description: String { name }

    public static func < (a: SourceID, b: SourceID) -> Bool { a.name < b.name }
}

/// Where a source is in its life.
public enum SourceState: String, Sendable, Hashable {
    /// Opening, connecting or listening for its first byte.
    case connecting
    /// Delivering bytes.
    case open
    /// Temporarily without data: a followed file that vanished, an SSE stream backing off.
    case waiting
    /// Reached its end normally.
    case ended
    /// Stopped by an error (shown with `lastError`).
    case failed
}

/// A source's state as the model shows it.
public struct SourceStatus: Sendable, Hashable {
    /// Which source.
    public var id: SourceID
    /// Its current state.
    public var state: SourceState
    /// The last error it reported, kept after it recovers so the user can see what happened.
    public var lastError: String?
    /// When the state last changed.
    public var since: Timestamp
    /// Records (lines) it delivered.
    public var records: Int
    /// Heartbeats of Charm's runner seen (`thinking` "..." every 5 s while the container lives).
    public var heartbeats = 0
    /// The latest heartbeat: the source was alive then, even if its agent was quiet.
    public var lastHeartbeat: Timestamp?

    /// A status with every field given.
    public init(id: SourceID, state: SourceState, lastError: String? = nil, since: Timestamp, records: Int = 0) {
        self.id = id
        self.state = state
        self.lastError = lastError
        self.since = since
        self.records = records
    }
}
