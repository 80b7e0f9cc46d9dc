/// Constants and texts of Charm's stdout protocol (charmos 0.5.2, `charm/core/io.py` and
/// `charm/core/telemetry.py`), kept in one place so the emitter, which writes them, and the
/// decoder in CharmWire, which reads them back (the prefix, and the thinking texts of a
/// stream from Charm's own SDK), agree.
package enum CharmProtocol {
    /// The prefix of an event line on a container's stdout.
    package static let eventPrefix = "__CHARM_EVENT__"
    /// How many characters of a tool's output the `thinking` text keeps (Python `[:500]`).
    package static let toolOutputPreviewLength = 500

    /// How `on_tool_start`'s thinking text starts; `toolInputSeparator` comes before the input.
    package static let toolStartPrefix = "Using Tool: "
    /// Between the tool's name and its input in `on_tool_start`'s thinking text.
    package static let toolInputSeparator = "\nInput: "
    /// How `on_tool_end`'s thinking text starts; `toolOutputEllipsis` follows the output.
    package static let toolOutputPrefix = "Tool Output: "
    /// After the (cut) output in `on_tool_end`'s thinking text, always, cut or not.
    package static let toolOutputEllipsis = "..."
    /// How `on_tool_error`'s thinking text starts.
    package static let toolErrorPrefix = "Tool Error: "
    /// How `on_agent_action`'s thinking text starts; `agentActionInputSeparator` comes
    /// between the tool and its input.
    package static let agentActionPrefix = "Thought: I need to use "
    /// Between the tool and its input in `on_agent_action`'s thinking text.
    package static let agentActionInputSeparator = " with "

    /// `on_tool_start`'s thinking text.
    package static func toolStartText(toolName: String, input: String) -> String {
        toolStartPrefix + toolName + toolInputSeparator + input + "\n"
    }

    /// `on_tool_end`'s thinking text: the first 500 code points, as Python slices a `str`.
    package static func toolEndText(output: String) -> String {
        let scalars = output.unicodeScalars
        let head: String
        if scalars.count <= toolOutputPreviewLength {
            head = output
        } else {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars.prefix(toolOutputPreviewLength))
            head = String(s)
        }
        return toolOutputPrefix + head + toolOutputEllipsis + "\n"
    }

    /// `on_tool_error`'s thinking text.
    package static func toolErrorText(error: String) -> String { toolErrorPrefix + error + "\n" }

    /// `on_agent_action`'s thinking text.
    package static func agentActionText(tool: String, toolInput: String) -> String {
        agentActionPrefix + tool + agentActionInputSeparator + toolInput + "\n"
    }

    /// Our `status` text for a run start (Charm's emitter drops `on_run_start`).
    package static func runStartText(runID: String) -> String { "Run \(runID) started" }

    /// Our `status` text for a run end (Charm's emitter drops `on_run_end`).
    package static func runEndText(runID: String) -> String { "Run \(runID) finished" }

    /// The `type` and `content` the emitter writes for an event's hook, or `nil` when Charm
    /// writes nothing (an empty token).
    package static func line(for payload: TelemetryEvent.Payload, runID: String) -> (type: String, content: String)? {
        switch payload {
        case .runStart: ("status", runStartText(runID: runID))
        case .runEnd: ("status", runEndText(runID: runID))
        case .error(let e): ("error", e.message)
        case .toolStart(let n, let i): ("thinking", toolStartText(toolName: n, input: i))
        case .toolEnd(_, let o): ("thinking", toolEndText(output: o))
        case .toolError(_, let e): ("thinking", toolErrorText(error: e.message))
        case .llmNewToken(let t): t.isEmpty ? nil : ("delta", t)
        case .agentAction(let t, let i): ("thinking", agentActionText(tool: t, toolInput: i))
        // Not a Charm line: a type Charm's readers pass over, its content the model's name.
        case .llmCall(let call): ("llm_call", call.model ?? "")
        }
    }
}
