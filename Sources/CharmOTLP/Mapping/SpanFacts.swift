import CharmTelemetry
import Foundation
import OTLPProto

/// What a span is to an agent's story, by whichever convention marked it.
enum SpanRole: String, Sendable, Hashable {
    /// An agent's run (`invoke_agent`, OpenInference AGENT, OpenLLMetry agent): a run.
    case agent
    /// A tool's execution (`execute_tool`, TOOL, tool): a tool call.
    case tool
    /// A model call (`chat`, `text_completion`, `generate_content`, `embeddings`, LLM,
    /// EMBEDDING, OpenLLMetry's model spans): an LLM call.
    case llm
    /// Anything else (chains, workflows, tasks, retrievers, HTTP): structure only.
    case other
}

/// One span reduced to what the monitor shows: ids in hex, times, its role and the fields
/// its role needs, read from whichever convention the producer follows.
struct SpanFacts: Sendable, Hashable {
    /// 32 lowercase hex digits.
    var traceID: String
    /// 16 lowercase hex digits.
    var spanID: String
    /// 16 lowercase hex digits, or `nil` for a root span.
    var parentSpanID: String?
    /// Whether the span says its parent lives in another process (W3C context propagated in:
    /// `SPAN_FLAGS_CONTEXT_IS_REMOTE`), so it will never arrive here.
    var parentIsRemote = false
    /// The sender's `service.name` (`unknown_service` when it gave none).
    var service: String
    var name: String
    var role: SpanRole
    var start: Timestamp
    var end: Timestamp
    /// Set when the span's status is ERROR.
    var error: TelemetryError?

    // Agent spans
    var agentName: String?
    var runInputs: JSONObject = [:]
    var runOutputs: JSONObject = [:]

    // Tool spans
    var toolName: String?
    var toolCallID: String?
    var toolInput: String = ""
    var toolOutput: String = ""

    // Model spans
    var llm: LLMCall?

    /// The run id an agent span stands for: its span id.
    var runID: String { spanID }

    /// The run id made for spans of `traceID` that no agent span encloses.
    static func traceRunID(_ traceID: String) -> String { "trace-" + traceID }
}

extension Timestamp {
    /// The time `nanos` nanoseconds after the Unix epoch (OTLP's span times), to the microsecond.
    /// Clamped to the years 1970–9999, so a hostile time cannot overflow an exporter's
    /// arithmetic later.
    init(unixNanoseconds nanos: UInt64) {
        self.init(microseconds: min(Int64(clamping: nanos / 1_000), 253_402_300_799_000_000))
    }
}
