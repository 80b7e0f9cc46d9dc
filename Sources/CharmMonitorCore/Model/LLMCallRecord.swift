import CharmTelemetry

/// One language-model call of a run, as the monitor keeps it: the call (its messages cut to
/// `RetentionLimits.maxToolIOBytes`) and when it ended.
package struct LLMCallRecord: Sendable, Hashable {
    /// The call's id (the span id of an OTLP model span), or `llm-N` when it came without one.
    package var callID: String
    /// What the producer reported.
    package var call: LLMCall
    /// When it ended.
    package var end: Timestamp

    /// When it started.
    package var start: Timestamp { call.start }

    /// Ok, or error when the call failed.
    package var status: ActivityStatus { call.error == nil ? .ok : .error }

    /// Seconds from start to end.
    package var duration: Double { max(0, end.seconds(since: call.start)) }

    /// The model's name for display: the model, else the operation, else "llm".
    package var displayName: String { call.model ?? call.operation ?? "llm" }
}
