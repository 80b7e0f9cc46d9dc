import CharmTelemetry

/// How a line reached the decoder.
public enum Framing: Sendable, Hashable {
    /// A container's stdout: `__CHARM_EVENT__{json}` or `::CHARM_EVENT::{json}`.
    case prefixed
    /// The runner's Server-Sent Events: `data: {json}` frames ended by a blank line.
    case sse
    /// A bare JSON object on its own line.
    case ndjson

    /// The framing's name, for reports (not a `String` raw type, which would make
    /// `init(rawValue:)` public too).
    package var rawValue: String {
        switch self {
        case .prefixed: "prefixed"
        case .sse: "sse"
        case .ndjson: "ndjson"
        }
    }
}

/// A valid event: a JSON object with a string `type`, and what it means as hooks.
public struct WireEvent: Sendable, Hashable {
    /// The event's `type` (`status`, `thinking`, `delta`, `final`, …, or one we do not know).
    public var type: String
    /// The line's JSON object, members in the order they were written. A `telemetry` member
    /// that was read into `hookEvents` is not kept here (its content is `hookEvents[0]`, and
    /// `TelemetryEvent.telemetryObject` writes it back); one that could not be read is.
    public var object: JSONObject
    /// How it was framed.
    public var framing: Framing
    /// The hook events this line stands for: the parsed `telemetry` object of a structured
    /// line, or, for a line from Charm's Python SDK, the events rebuilt from it (a run start
    /// synthesised before the first, a tool call rebuilt from its thinking text, …).
    public var hookEvents: HookEvents
    /// Why a `telemetry` member was present but unreadable, if it was.
    public var telemetryIssue: String?

    /// A wire event with every field given.
    package init(
        type: String, object: JSONObject, framing: Framing, hookEvents: HookEvents = [],
        telemetryIssue: String? = nil, isStructured: Bool = false
    ) {
        self.isStructured = isStructured
        self.type = type
        self.object = object
        self.framing = framing
        self.hookEvents = hookEvents
        self.telemetryIssue = telemetryIssue
    }

    /// `content` as text (strings as they are, other JSON compact).
    package var contentText: String { object["content"]?.displayText ?? "" }

    /// True when the line carried a readable `telemetry` object.
    public var isStructured: Bool
}

/// A line that claimed to be an event but is not one.
public struct MalformedLine: Sendable, Hashable {
    /// How it was framed.
    public var framing: Framing
    /// Why it was rejected.
    public var reason: String
    /// The start of the line (at most `previewLength` characters), for display.
    public var preview: String
    /// The 1-based line number within the source.
    public var line: Int

    /// How much of a rejected line is kept.
    package static let previewLength = 200

    /// A malformed line with every field given.
    package init(framing: Framing, reason: String, preview: String, line: Int) {
        self.framing = framing
        self.reason = reason
        self.preview = preview
        self.line = line
    }
}

/// What the decoder makes of each line.
public enum DecodedRecord: Sendable, Hashable {
    /// A valid event (known or unknown `type`).
    case event(WireEvent)
    /// A line that claimed to be an event but was not; counted and kept, never fatal.
    case malformed(MalformedLine)
    /// A non-empty line that is neither: a raw print.
    case raw(String)
    /// A line longer than the decoder's maximum, skipped; carries its length in bytes.
    case oversized(bytes: Int, line: Int)
}

extension DecodedRecord {
    /// How many hook events the record stands for (0 unless it is an event).
    @inlinable
    package var hookEventCount: Int {
        if case .event(let e) = self { e.hookEvents.count } else { 0 }
    }

    /// Calls `body` with each hook event of an event record, in order. For the ingest path,
    /// which reaches records through their batch's buffer: the record itself is borrowed,
    /// never copied into a loop variable.
    @inlinable
    package func forEachHookEvent(_ body: (TelemetryEvent) -> Void) {
        guard case .event(let e) = self else { return }
        e.hookEvents.forEach(body)
    }
}
