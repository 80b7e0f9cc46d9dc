/// Constants and texts of Charm's stdout protocol (charmos 0.5.2, `charm/core/io.py` and
/// `charm/core/telemetry.py`), kept in one place so the emitter and the decoder agree.
public enum CharmProtocol {
    /// The prefix of an event line on a container's stdout.
    public static let eventPrefix = "__CHARM_EVENT__"
    /// The alternative prefix Charm's runner also accepts.
    public static let alternatePrefix = "::CHARM_EVENT::"
    /// How many characters of a tool's output the `thinking` text keeps (Python `[:500]`).
    public static let toolOutputPreviewLength = 500

    /// `on_tool_start`'s thinking text.
    public static func toolStartText(toolName: String, input: String) -> String {
        "Using Tool: \(toolName)\nInput: \(input)\n"
    }

    /// `on_tool_end`'s thinking text: the first 500 code points, as Python slices a `str`.
    public static func toolEndText(output: String) -> String {
        let scalars = output.unicodeScalars
        let head: String
        if scalars.count <= toolOutputPreviewLength {
            head = output
        } else {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars.prefix(toolOutputPreviewLength))
            head = String(s)
        }
        return "Tool Output: \(head)...\n"
    }

    /// `on_tool_error`'s thinking text.
    public static func toolErrorText(error: String) -> String { "Tool Error: \(error)\n" }

    /// `on_agent_action`'s thinking text.
    public static func agentActionText(tool: String, toolInput: String) -> String {
        "Thought: I need to use \(tool) with \(toolInput)\n"
    }

    /// Our `status` text for a run start (Charm's emitter drops `on_run_start`).
    public static func runStartText(runID: String) -> String { "Run \(runID) started" }

    /// Our `status` text for a run end (Charm's emitter drops `on_run_end`).
    public static func runEndText(runID: String) -> String { "Run \(runID) finished" }

    /// The `type` and `content` the emitter writes for an event's hook, or `nil` when Charm
    /// writes nothing (an empty token).
    public static func line(for payload: TelemetryEvent.Payload, runID: String) -> (type: String, content: String)? {
        switch payload {
        case .runStart: ("status", runStartText(runID: runID))
        case .runEnd: ("status", runEndText(runID: runID))
        case .error(let e): ("error", e.message)
        case .toolStart(let n, let i): ("thinking", toolStartText(toolName: n, input: i))
        case .toolEnd(_, let o): ("thinking", toolEndText(output: o))
        case .toolError(_, let e): ("thinking", toolErrorText(error: e.message))
        case .llmNewToken(let t): t.isEmpty ? nil : ("delta", t)
        case .agentAction(let t, let i): ("thinking", agentActionText(tool: t, toolInput: i))
        }
    }
}
