/// What every exporter is: something that handles one `TelemetryEvent` at a time.
///
/// The requirement is one method on purpose (swift-log's `LogHandler` shape): the event is
/// the whole unit, envelope included (run id, parent run id, tool call id, sequence number,
/// time), so nothing is rebuilt per exporter, and later needs arrive as new protocols or
/// defaulted members that never break an implementer. Each exporter's `handle` is called
/// on that exporter's own worker thread, one event at a time and in dispatch order, so an
/// implementation may block (it slows only itself) and needs no locking for state that only
/// `handle` touches. An event that throws is counted as a failure of this exporter and never
/// reaches the agent. Exporters written against Charm's eight hooks adopt
/// `TelemetryHookExporter` instead.
public protocol TelemetryExporter: AnyObject, Sendable {
    /// Handles one event, on the exporter's worker thread, in dispatch order.
    func handle(_ event: TelemetryEvent) throws

    /// Delivers whatever the exporter buffers before `deadline`; returns false if it could not.
    /// Called on the exporter's worker after every event dispatched before the flush was handled.
    func flush(deadline: ContinuousClock.Instant) -> Bool
    /// Releases resources; `handle` is not called afterwards.
    func shutdown()
}

extension TelemetryExporter {
    /// Nothing buffered: flushed at once.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { true }
    /// Nothing to release.
    public func shutdown() {}
}

/// The Swift counterpart of Charm's `BaseTelemetryExporter`: its eight hooks, with its
/// arguments, as an adapter over `TelemetryExporter.handle`.
///
/// The hooks have no default implementations on purpose: a type that lacks one does not
/// compile, which is the compiler's version of Python's "all abstract methods must be
/// implemented". `handle` switches once on the event's payload and calls the hook with
/// `TelemetryContext.event` bound to the event, so a hook can still read the envelope that
/// Charm's signatures cannot carry; only hook-style exporters pay for that binding.
public protocol TelemetryHookExporter: TelemetryExporter {
    /// A run started. `on_run_start(run_id, inputs)`.
    func onRunStart(runID: String, inputs: JSONObject) throws
    /// A run ended. `on_run_end(run_id, outputs)`.
    func onRunEnd(runID: String, outputs: JSONObject) throws
    /// A run failed. `on_error(run_id, error)`.
    func onError(runID: String, error: TelemetryError) throws
    /// A tool call started. `on_tool_start(tool_name, input_str)`.
    func onToolStart(toolName: String, inputStr: String) throws
    /// A tool call returned. `on_tool_end(tool_name, output)`.
    func onToolEnd(toolName: String, output: String) throws
    /// A tool call failed. `on_tool_error(tool_name, error)`.
    func onToolError(toolName: String, error: TelemetryError) throws
    /// The model streamed a token. `on_llm_new_token(token)`.
    func onLLMNewToken(token: String) throws
    /// The agent decided on an action. `on_agent_action(tool, tool_input)`.
    func onAgentAction(tool: String, toolInput: String) throws
}

extension TelemetryHookExporter {
    /// Calls the hook that `event` is for, with `TelemetryContext.event` bound to it.
    public func handle(_ event: TelemetryEvent) throws {
        try TelemetryContext.$bound.withValue(event) { try callHook(event) }
    }

    /// Kept out of line: inlined into a caller's loop together with the task-local binding,
    /// the Swift 6.3 optimizer crashed (an ownership verifier failure).
    @inline(never)
    private func callHook(_ event: TelemetryEvent) throws {
        switch event.payload {
        case .runStart(let inputs): try onRunStart(runID: event.runID, inputs: inputs)
        case .runEnd(let outputs, _): try onRunEnd(runID: event.runID, outputs: outputs)
        case .error(let e): try onError(runID: event.runID, error: e)
        case .toolStart(let name, let input): try onToolStart(toolName: name, inputStr: input)
        case .toolEnd(let name, let output): try onToolEnd(toolName: name, output: output)
        case .toolError(let name, let e): try onToolError(toolName: name, error: e)
        case .llmNewToken(let token): try onLLMNewToken(token: token)
        case .agentAction(let tool, let input): try onAgentAction(tool: tool, toolInput: input)
        // Charm's hooks have no place for a model call.
        case .llmCall: break
        }
    }
}

/// What a hook-style exporter reads inside a hook beyond the hook's own arguments.
public enum TelemetryContext {
    /// The event whose hook is running: its envelope tells which run a tool call belongs to
    /// when runs interleave. Bound only by `TelemetryHookExporter.handle`; `nil` elsewhere.
    public static var event: TelemetryEvent? { bound }

    /// Where `event` is held. A task-local of its own, `package`, so that only the adapter
    /// binds it: a public `@TaskLocal` would also make its `$event` projection public.
    @TaskLocal package static var bound: TelemetryEvent?
}

/// The health an exporter reports, shown in the monitor's exporters panel.
package enum ExporterHealth: String, Sendable, Hashable {
    /// Delivering.
    case ok
    /// A delivery failed and is being retried.
    case retrying
    /// Deliveries fail and are not recovering (or the last one was rejected).
    case failing
}

/// What an exporter with its own delivery engine tells about itself.
package struct ExporterStatus: Sendable, Hashable {
    /// Current health.
    package var health: ExporterHealth
    /// Items waiting inside the exporter (for example an HTTP batch buffer).
    package var buffered: Int
    /// Items the exporter itself dropped (for example a full retry buffer, or a 400).
    package var dropped: Int
    /// Items the exporter has delivered to its destination.
    package var sent: Int
    /// The last error, with secrets already removed.
    package var lastError: String?

    /// A status with every field given.
    package init(health: ExporterHealth = .ok, buffered: Int = 0, dropped: Int = 0, sent: Int = 0, lastError: String? = nil) {
        self.health = health
        self.buffered = buffered
        self.dropped = dropped
        self.sent = sent
        self.lastError = lastError
    }
}

/// An exporter that knows more about its delivery than the manager sees from outside.
package protocol ExporterStatusReporting: TelemetryExporter {
    /// A snapshot; must be cheap and safe from any thread.
    var status: ExporterStatus { get }
}
