/// One lifecycle event: the envelope every hook shares and the hook's own arguments.
///
/// This is what the `TelemetryManager` dispatches, what the emitter writes as the
/// `telemetry` object, and what the stream decoder rebuilds from a line.
public struct TelemetryEvent: Sendable, Hashable {
    /// Increases by one per event within the producing process; orders events from one source.
    public var seq: UInt64
    /// When the event happened.
    public var timestamp: Timestamp
    /// The run the event belongs to.
    public var runID: String
    /// The run's parent, when runs are nested. Written on the wire only with `run_start`.
    public var parentRunID: String?
    /// The tool call the event belongs to (tool start, end and error), or the LLM call's id.
    public var callID: String?
    /// The run's name (an agent's name), when the producer gave one. Written on the wire
    /// only with `run_start`.
    public var runName: String?
    /// The hook and its arguments.
    public var payload: Payload

    /// An event with every envelope field given.
    public init(
        seq: UInt64, timestamp: Timestamp, runID: String, parentRunID: String? = nil,
        callID: String? = nil, runName: String? = nil, payload: Payload
    ) {
        self.seq = seq
        self.timestamp = timestamp
        self.runID = runID
        self.parentRunID = parentRunID
        self.callID = callID
        self.runName = runName
        self.payload = payload
    }

    /// The hook this event is for.
    package var hook: TelemetryHook { payload.hook }

    /// A hook's arguments, exactly those of Charm's `BaseTelemetryExporter` plus the
    /// structured extras our protocol adds (a run's end status, an error's type).
    public enum Payload: Sendable, Hashable {
        /// `on_run_start(run_id, inputs)`
        case runStart(inputs: JSONObject)
        /// `on_run_end(run_id, outputs)`; `status` is our extension.
        case runEnd(outputs: JSONObject, status: RunStatus?)
        /// `on_error(run_id, error)`
        case error(TelemetryError)
        /// `on_tool_start(tool_name, input_str)`
        case toolStart(toolName: String, input: String)
        /// `on_tool_end(tool_name, output)`
        case toolEnd(toolName: String, output: String)
        /// `on_tool_error(tool_name, error)`
        case toolError(toolName: String, error: TelemetryError)
        /// `on_llm_new_token(token)`
        case llmNewToken(token: String)
        /// `on_agent_action(tool, tool_input)`
        case agentAction(tool: String, toolInput: String)
        /// A call to a language model, reported when it ended. Not one of Charm's hooks:
        /// hook-style exporters never see it.
        indirect case llmCall(LLMCall)

        /// The hook these arguments belong to.
        package var hook: TelemetryHook {
            switch self {
            case .runStart: .runStart
            case .runEnd: .runEnd
            case .error: .error
            case .toolStart: .toolStart
            case .toolEnd: .toolEnd
            case .toolError: .toolError
            case .llmNewToken: .llmNewToken
            case .agentAction: .agentAction
            case .llmCall: .llmCall
            }
        }

        /// The tool's name for tool hooks, or the action's tool.
        package var toolName: String? {
            switch self {
            case .toolStart(let n, _), .toolEnd(let n, _), .toolError(let n, _): n
            case .agentAction(let t, _): t
            default: nil
            }
        }
    }
}
