import CharmTelemetry

/// One language-model call of a run, as the monitor keeps it: the call (its messages cut to
/// `RetentionLimits.maxToolIOBytes`) and when it ended.
public struct LLMCallRecord: Sendable, Hashable {
    /// The call's id (the span id of an OTLP model span), or `llm-N` when it came without one.
    public var callID: String
    /// What the producer reported.
    public var call: LLMCall
    /// When it ended.
    public var end: Timestamp

    /// When it started.
    public var start: Timestamp { call.start }

    /// Ok, or error when the call failed.
    public var status: ActivityStatus { call.error == nil ? .ok : .error }

    /// Seconds from start to end.
    public var duration: Double { max(0, end.seconds(since: call.start)) }

    /// The model's name for display: the model, else the operation, else "llm".
    public var displayName: String { call.model ?? call.operation ?? "llm" }
}
