/// Charm's eight exporter hooks, and our `llm_call`, named as they appear in the
/// `telemetry.hook` field.
package enum TelemetryHook: String, Sendable, CaseIterable, Hashable {
    /// `on_run_start(run_id, inputs)`
    case runStart = "run_start"
    /// `on_run_end(run_id, outputs)`
    case runEnd = "run_end"
    /// `on_error(run_id, error)`
    case error = "error"
    /// `on_tool_start(tool_name, input_str)`
    case toolStart = "tool_start"
    /// `on_tool_end(tool_name, output)`
    case toolEnd = "tool_end"
    /// `on_tool_error(tool_name, error)`
    case toolError = "tool_error"
    /// `on_llm_new_token(token)`
    case llmNewToken = "llm_new_token"
    /// `on_agent_action(tool, tool_input)`
    case agentAction = "agent_action"
    /// A language-model call (ours; Charm's exporters have no such hook).
    case llmCall = "llm_call"

    /// Charm's own eight hooks, which hook-style and Python exporters implement.
    package static let charmHooks: [TelemetryHook] = allCases.filter { $0 != .llmCall }

    /// The Python method name on `BaseTelemetryExporter`.
    package var pythonMethod: String { "on_" + rawValue }
}

/// An error as telemetry carries it: the exception's type name and its message.
public struct TelemetryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error's type, e.g. `TimeoutError` (Python's `type(e).__name__`).
    public var type: String
    /// The message, e.g. Python's `str(e)`.
    public var message: String

    /// An error with a type name and a message.
    public init(type: String = "Error", message: String) {
        self.type = type
        self.message = message
    }

    /// An error from any Swift error: its dynamic type name and its description.
    package init(_ error: any Error) {
        if let e = error as? TelemetryError { self = e; return }
        self.type = String(describing: Swift.type(of: error))
        self.message = String(describing: error)
    }

    public var description: String { message }

    /// `{"type": …, "message": …}` as the wire format writes it.
    package var json: JSONValue { .object(["type": .string(type), "message": .string(message)]) }
}

/// How a run ended.
public enum RunStatus: Sendable, Hashable {
    /// Finished normally.
    case ok
    /// Finished with an error.
    case error
    /// Never ended: the monitor exited while the run was still open, and ended it so that
    /// exporters send it (marked unfinished, never as ok).
    case unfinished

    /// The status as the wire format writes it (`"ok"`, `"error"`, `"unfinished"`). Written
    /// out rather than a `String` raw type, which would make `init(rawValue:)` public too.
    package var rawValue: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .unfinished: "unfinished"
        }
    }

    /// The status a wire-format text names, or nil.
    package init?(rawValue: String) {
        switch rawValue {
        case "ok": self = .ok
        case "error": self = .error
        case "unfinished": self = .unfinished
        default: return nil
        }
    }
}
