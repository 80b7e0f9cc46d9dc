import CharmTelemetry

/// A unit of work rebuilt from hook events: a run, a tool call or a token stream, with its
/// place in the tree. Vendors call these spans (Datadog, OTLP, Sentry) or runs (LangSmith).
package struct SpanRecord: Sendable, Hashable {
    /// What the span stands for.
    package enum Kind: String, Sendable, Hashable {
        /// A run (`on_run_start` … `on_run_end`): an agent invocation.
        case run
        /// A tool call (`on_tool_start` … `on_tool_end`/`on_tool_error`).
        case tool
        /// A stretch of streamed tokens (`on_llm_new_token`), ended by the next tool call,
        /// agent action or the run's end: the model's turn.
        case llm
    }

    /// Run, tool or llm.
    package var kind: Kind
    /// A key unique among spans: the run id, the tool call id, or run id + `#llm` + seq.
    package var key: String
    /// The run it belongs to (itself for a run).
    package var runID: String
    /// The parent span's key: the parent run for a run, the run for a tool or llm span.
    package var parentKey: String?
    /// The key of the root run of its trace.
    package var traceKey: String
    /// The agent's name for a top-level run, a nested run's id relative to its parent
    /// (`SpanTracker.runName`), the tool's name, or "llm".
    package var name: String
    /// The tool call id, for tool spans.
    package var callID: String?
    /// When it started and ended (end is nil while open).
    package var start: Timestamp
    /// When it ended.
    package var end: Timestamp?
    /// Run inputs (object), tool input (string), or nothing.
    package var input: JSONValue?
    /// Run outputs (object), tool output (string), or the streamed text.
    package var output: JSONValue?
    /// The error that failed it, if any.
    package var error: TelemetryError?
    /// Tokens streamed (llm spans).
    package var tokenCount: Int = 0
    /// A run's own agent name, when its producer named it (an OTLP agent span's); runs
    /// without one are named after the exporter's configured agent.
    package var agentName: String?
    /// The model call an llm span reports whole (an `llm_call` event), with its model and
    /// token usage; `nil` for an llm span rebuilt from streamed tokens.
    package var llmCall: LLMCall?
    /// The agent action that ended an llm span, if one did.
    package var action: (tool: String, input: String)? {
        get { actionTool.map { ($0, actionInput ?? "") } }
        set { actionTool = newValue?.tool; actionInput = newValue?.input }
    }
    private var actionTool: String?
    private var actionInput: String?

    /// Ended by the monitor at exit, not by its own end event (`RunStatus.unfinished`).
    package var unfinished = false

    /// The error an unfinished run carries, so vendors show it as not ok and say why.
    package static let unfinishedError = TelemetryError(
        type: "Unfinished", message: "unfinished: the run had not ended when the monitor exited")

    /// True once the span has ended with an error.
    package var failed: Bool { error != nil }

    /// Duration in nanoseconds (0 while open).
    package var durationNanoseconds: Int64 {
        guard let end else { return 0 }
        return max(0, end.microseconds - start.microseconds) * 1_000
    }

    init(
        kind: Kind, key: String, runID: String, parentKey: String?, traceKey: String, name: String,
        callID: String? = nil, start: Timestamp, input: JSONValue? = nil
    ) {
        self.kind = kind
        self.key = key
        self.runID = runID
        self.parentKey = parentKey
        self.traceKey = traceKey
        self.name = name
        self.callID = callID
        self.start = start
        self.input = input
    }
}

/// A change the tracker reports: a span opened, or a span closed (with all its fields).
package enum SpanChange: Sendable, Hashable {
    /// A span started; LangSmith posts it now, the others wait for its end.
    case started(SpanRecord)
    /// A span ended.
    case finished(SpanRecord)
}
