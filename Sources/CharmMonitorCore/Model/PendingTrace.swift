import CharmTelemetry

/// A trace whose spans wait for their agent's span (OTLP sends a span when it ends, so an
/// agent's calls arrive long before the agent): shown as a placeholder until the spans go
/// out as a run. See docs/otlp.md, "Spans arrive late".
package struct PendingTrace: Sendable, Hashable {
    /// 32 hex digits.
    package var traceID: String
    /// The source the spans came from (`otlp:<service.name>`).
    package var source: SourceID
    /// Spans waiting, by what they will be.
    package var agents: Int
    package var tools: Int
    package var llmCalls: Int
    package var others: Int
    /// The earliest start among them.
    package var start: Timestamp

    /// Every field given.
    package init(
        traceID: String, source: SourceID, agents: Int, tools: Int, llmCalls: Int, others: Int, start: Timestamp
    ) {
        self.traceID = traceID
        self.source = source
        self.agents = agents
        self.tools = tools
        self.llmCalls = llmCalls
        self.others = others
        self.start = start
    }

    /// `2 tools · 1 LLM call · 1 agent`, what is waiting, in words.
    package var contents: String {
        var parts: [String] = []
        func add(_ n: Int, _ one: String, _ many: String) { if n > 0 { parts.append("\(n) \(n == 1 ? one : many)") } }
        add(tools, "tool", "tools")
        add(llmCalls, "LLM call", "LLM calls")
        add(agents, "agent", "agents")
        if parts.isEmpty { add(others, "span", "spans") }
        return parts.joined(separator: " · ")
    }
}
