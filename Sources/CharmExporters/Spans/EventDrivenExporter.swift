import CharmTelemetry

/// An exporter that works from whole events rather than the hooks' bare arguments.
///
/// Every vendor needs the envelope (run id of a tool call, call id, time), which only
/// `TelemetryContext.event` carries; this protocol implements the eight hooks once by
/// reading it, so each exporter writes a single `handle`.
public protocol EventDrivenExporter: TelemetryExporter {
    /// Handles one event, on the exporter's worker thread, in order.
    func handle(_ event: TelemetryEvent) throws
}

extension EventDrivenExporter {
    /// The event being delivered, or one made from the hook's arguments when a hook is
    /// called directly (outside `deliver`), stamped now.
    private func current(_ payload: TelemetryEvent.Payload, runID: String) -> TelemetryEvent {
        if let e = TelemetryContext.event, e.payload == payload { return e }
        let run = TelemetryContext.event?.runID ?? (runID.isEmpty ? defaultRunID : runID)
        return TelemetryEvent(seq: 0, timestamp: .now(), runID: run, payload: payload)
    }

    /// `on_run_start`: forwards the event to `handle`.
    public func onRunStart(runID: String, inputs: JSONObject) throws {
        try handle(current(.runStart(inputs: inputs), runID: runID))
    }
    /// `on_run_end`: forwards the event (with its status) to `handle`.
    public func onRunEnd(runID: String, outputs: JSONObject) throws {
        let status: RunStatus? = if case .runEnd(_, let s)? = TelemetryContext.event?.payload { s } else { nil }
        try handle(current(.runEnd(outputs: outputs, status: status), runID: runID))
    }
    /// `on_error`: forwards the event to `handle`.
    public func onError(runID: String, error: TelemetryError) throws {
        try handle(current(.error(error), runID: runID))
    }
    /// `on_tool_start`: forwards the event to `handle`.
    public func onToolStart(toolName: String, inputStr: String) throws {
        try handle(current(.toolStart(toolName: toolName, input: inputStr), runID: ""))
    }
    /// `on_tool_end`: forwards the event to `handle`.
    public func onToolEnd(toolName: String, output: String) throws {
        try handle(current(.toolEnd(toolName: toolName, output: output), runID: ""))
    }
    /// `on_tool_error`: forwards the event to `handle`.
    public func onToolError(toolName: String, error: TelemetryError) throws {
        try handle(current(.toolError(toolName: toolName, error: error), runID: ""))
    }
    /// `on_llm_new_token`: forwards the event to `handle`.
    public func onLLMNewToken(token: String) throws {
        try handle(current(.llmNewToken(token: token), runID: ""))
    }
    /// `on_agent_action`: forwards the event to `handle`.
    public func onAgentAction(tool: String, toolInput: String) throws {
        try handle(current(.agentAction(tool: tool, toolInput: toolInput), runID: ""))
    }
}
