import CharmTelemetry
import Testing

@testable import CharmMonitorCore

@Suite("UI: LLM calls beside tool calls, cost, and traces awaiting their agent")
struct UILLMCallTests {
    /// An agent run from OTLP: a model call, a tool call, another model call.
    static func model() -> (MonitorModel, Timestamp) {

        var m = MonitorModel()
        let t0 = Timestamp(microseconds: 1_700_000_000_000_000)
        func at(_ ms: Int64) -> Timestamp { Timestamp(microseconds: t0.microseconds + ms * 1_000) }
        var start = TelemetryEvent(seq: 1, timestamp: at(0), runID: "2e624f32325d3ac1", runName: "weather", payload: .runStart(inputs: [:]))
        start.seq = 1
        m.apply([
            start,
            TelemetryEvent(
                seq: 2, timestamp: at(400), runID: "2e624f32325d3ac1", callID: "3939a48f8df7d398",
                payload: .llmCall(LLMCall(
                    model: "gpt-4o", provider: "openai", inputTokens: 1_200, outputTokens: 80, finishReasons: ["tool_calls"],
                    start: at(100), inputMessages: #"[{"role":"user","content":"weather in Paris?"}]"#,
                    outputMessages: #"[{"role":"assistant","tool_calls":[{"name":"get_weather"}]}]"#))),
            TelemetryEvent(seq: 3, timestamp: at(500), runID: "2e624f32325d3ac1", callID: "e3267e3e68b9ce41",
                           payload: .toolStart(toolName: "get_weather", input: #"{"city":"Paris"}"#)),
            TelemetryEvent(seq: 4, timestamp: at(700), runID: "2e624f32325d3ac1", callID: "e3267e3e68b9ce41",
                           payload: .toolEnd(toolName: "get_weather", output: "sunny")),
            TelemetryEvent(
                seq: 5, timestamp: at(1_000), runID: "2e624f32325d3ac1", callID: "91b6678b690ea94e",
                payload: .llmCall(LLMCall(model: "gpt-4o", inputTokens: 1_300, outputTokens: 20, start: at(750)))),
        ])

        m.setPendingTraces([
            PendingTrace(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", source: "otlp:svc", agents: 0, tools: 2, llmCalls: 1, others: 1, start: at(200))
        ])
        return (m, at(1_500))
    }

    @Test("the timeline interleaves LLM and tool calls by start, marks model calls ◆, previews tokens and cost")
    func timeline() {
        let (m, now) = Self.model()
        let calls = UIRows.timeline(m, m.run("2e624f32325d3ac1"))
        #expect(calls.map(\.name) == ["gpt-4o", "get_weather", "gpt-4o"])
        #expect(calls.map { $0.llm != nil } == [true, false, true])
        var state = UIState()
        state.selectedRunID = "2e624f32325d3ac1"
        let text = render(m, state, width: 200, height: 40, now: now).text
        #expect(text.contains("◆ gpt-4o"))
        // 1,200 in and 80 out at 2.50 and 10.00 per million.
        #expect(text.contains("in 1200 · out 80 · $0.0038 · tool_calls"))
        #expect(text.contains("weather · 2e624f32325d3ac1"))
        #expect(text.contains("1 tool · 2 LLM"))
        // The run's cost (both calls) and tokens in/out.
        #expect(text.contains("$0.007"))
        #expect(text.contains("2.5k/100"))
        #expect(text.contains("⧗ trace 4bf92f35… 2 tools · 1 LLM call · awaiting agent"))
        #expect(text.contains("1 awaiting agent"))
    }

    @Test("Enter on an LLM call opens it in full: model, provider, tokens, cost, finish, messages")
    func detail() {
        let (m, now) = Self.model()
        var state = UIState()
        state.selectedRunID = "2e624f32325d3ac1"
        let (opened, _) = press([.tab, .home, .enter], state, model: m, width: 120, height: 40, now: now)
        let text = render(m, opened, width: 120, height: 40, now: now).text
        #expect(text.contains("LLM call · gpt-4o"))
        #expect(text.contains("provider    openai"))
        #expect(text.contains("tokens in   1200"))
        #expect(text.contains("cost        $0.0038"))
        #expect(text.contains("finish      tool_calls"))
        #expect(text.contains("── input messages ──"))
        #expect(text.contains("weather in Paris?"))
    }

    @Test("the filter finds runs by agent name and by the model or provider of their LLM calls")
    func filter() {
        let (m, _) = Self.model()
        for text in ["weather", "GPT-4o", "openai"] {
            #expect(UIRows.runMatches(m.run("2e624f32325d3ac1")!, filter: text), "\(text)")
            #expect(UIRows.treeRows(m, filter: text, cache: nil).map(\.id) == ["2e624f32325d3ac1"], "\(text)")
        }
        #expect(!UIRows.runMatches(m.run("2e624f32325d3ac1")!, filter: "claude"))
    }
}
