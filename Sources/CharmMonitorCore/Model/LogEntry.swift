import CharmTelemetry

/// One line of the monitor's log: what the agent said that is neither a token nor a hook.
package struct LogEntry: Sendable, Hashable {
    /// What kind of line it was.
    package enum Kind: String, Sendable, Hashable {
        /// A line that is not an event at all (a raw print that escaped Charm's stdout wrapper).
        case raw
        /// A `thinking` event (raw prints inside Charm, and the legacy tool texts).
        case thinking
        /// A `status` event.
        case status
        /// A log record received over OTLP: a GenAI event (`gen_ai.user.message: …`) or a
        /// plain record's body.
        case otlp
    }

    /// When the monitor received it.
    package var at: Timestamp
    /// Where it came from.
    package var source: SourceID
    /// Its kind.
    package var kind: Kind
    /// Its text.
    package var text: String

    /// An entry with every field given.
    package init(at: Timestamp, source: SourceID, kind: Kind, text: String) {
        self.at = at
        self.source = source
        self.kind = kind
        self.text = text
    }
}

/// One problem of any kind, linked to its run where there is one.
package struct MonitorErrorEntry: Sendable, Hashable {
    /// What went wrong where.
    package enum Kind: String, Sendable, Hashable {
        /// An `error` hook of a run.
        case run
        /// A `tool_error` hook.
        case tool
        /// A line that claimed to be an event but was not.
        case malformed
        /// A line longer than the decoder's limit.
        case oversized
        /// A valid event whose `telemetry` member could not be read.
        case telemetry
        /// A source that failed (file vanished, connection dropped, SSE server gone).
        case source
        /// An exporter that failed or could not be made.
        case exporter
        /// A detector's finding (loop, stall, error storm, budget) about a run.
        case finding
    }

    /// When the monitor recorded it.
    package var at: Timestamp
    /// Its kind.
    package var kind: Kind
    /// The source it came from, if any.
    package var source: SourceID?
    /// The run it belongs to, if any.
    package var runID: String?
    /// The tool call it belongs to, if any.
    package var callID: String?
    /// What happened, in words.
    package var message: String
    /// The start of the offending line, for malformed lines.
    package var preview: String?
    /// The line number within the source, for malformed and oversized lines.
    package var line: Int?

    /// An entry with every field given.
    package init(
        at: Timestamp, kind: Kind, source: SourceID? = nil, runID: String? = nil, callID: String? = nil,
        message: String, preview: String? = nil, line: Int? = nil
    ) {
        self.at = at
        self.kind = kind
        self.source = source
        self.runID = runID
        self.callID = callID
        self.message = message
        self.preview = preview
        self.line = line
    }
}
