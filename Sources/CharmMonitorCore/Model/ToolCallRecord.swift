import CharmTelemetry

/// How a run or a tool call stands.
package enum ActivityStatus: String, Sendable, Hashable {
    /// Started and not ended (or the stream ended first).
    case running
    /// Ended normally.
    case ok
    /// Ended with an error, or an error was reported for it.
    case error
}

/// One tool call of a run, from its `tool_start` to its `tool_end` or `tool_error`.
package struct ToolCallRecord: Sendable, Hashable {
    /// The call id (`legacy-call-N` for rebuilt legacy calls, `call-N` when the stream had none).
    package var callID: String
    /// The tool's name.
    package var toolName: String
    /// The input, cut to `RetentionLimits.maxToolIOBytes`.
    package var input: String
    /// The output, once it returned (cut like the input).
    package var output: String?
    /// The error, if it failed.
    package var error: TelemetryError?
    /// Running, ok or error.
    package var status: ActivityStatus
    /// When it started (the end time when its start was never seen).
    package var start: Timestamp
    /// When it ended.
    package var end: Timestamp?

    /// A record with every field given.
    package init(
        callID: String, toolName: String, input: String, output: String? = nil, error: TelemetryError? = nil,
        status: ActivityStatus = .running, start: Timestamp, end: Timestamp? = nil
    ) {
        self.callID = callID
        self.toolName = toolName
        self.input = input
        self.output = output
        self.error = error
        self.status = status
        self.start = start
        self.end = end
    }

    /// Seconds from start to end; `nil` while running.
    package var duration: Double? { end.map { max(0, $0.seconds(since: start)) } }

    /// Seconds from the run's start to this call's start.
    package func startOffset(in run: MonitorRun) -> Double { start.seconds(since: run.start) }
}

/// One `agent_action`: the tool the agent chose and its input.
package struct AgentActionRecord: Sendable, Hashable {
    /// When it was decided.
    package var at: Timestamp
    /// The tool chosen.
    package var tool: String
    /// Its input.
    package var toolInput: String

    /// A record with every field given.
    package init(at: Timestamp, tool: String, toolInput: String) {
        self.at = at
        self.tool = tool
        self.toolInput = toolInput
    }
}
