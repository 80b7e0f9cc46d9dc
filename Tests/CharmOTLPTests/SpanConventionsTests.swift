import CharmTelemetry
import Foundation
import OTLPProto
import Testing

@testable import CharmOTLP

/// A span as a producer sends it: ids from small numbers, times in milliseconds.
private func span(
    _ id: UInt8, parent: UInt8? = nil, _ name: String, _ attributes: [String: String], start: UInt64 = 1, end: UInt64 = 9
) -> Opentelemetry_Proto_Trace_V1_Span {
    var s = Opentelemetry_Proto_Trace_V1_Span()
    s.traceID = Data(repeating: 0, count: 15) + Data([7])
    s.spanID = Data(repeating: 0, count: 7) + Data([id])
    if let parent { s.parentSpanID = Data(repeating: 0, count: 7) + Data([parent]) }
    s.name = name
    s.startTimeUnixNano = start * 1_000_000
    s.endTimeUnixNano = end * 1_000_000
    s.attributes = attributes.sorted { $0.key < $1.key }.map { k, v in
        var kv = Opentelemetry_Proto_Common_V1_KeyValue()
        kv.key = k
        kv.value.stringValue = v
        return kv
    }
    return s
}

/// The span id `id` as a run or call id.
private func hex(_ id: UInt8) -> String { String(repeating: "0", count: 14) + String(format: "%02x", id) }

private func facts(_ spans: [Opentelemetry_Proto_Trace_V1_Span]) -> [SpanFacts] {
    spans.compactMap { SpanFacts(span: $0, service: "langchain-agents") }
}

/// What the spans make once all have arrived (children first, as a per-span exporter sends
/// them): each run's parent run and name by run id, and each LLM and tool call's run by call id.
private func assemble(
    _ spans: [Opentelemetry_Proto_Trace_V1_Span]
) -> (runs: [String: (parent: String?, name: String?)], calls: [String: String]) {
    var assembler = TraceAssembler()
    let out = assembler.add(facts(spans.reversed()), now: Timestamp(microseconds: 1)) + assembler.finish()
    var runs: [String: (parent: String?, name: String?)] = [:]
    var calls: [String: String] = [:]
    for e in out.map(\.event) {
        switch e.payload {
        case .runStart: runs[e.runID] = (e.parentRunID, e.runName)
        case .llmCall, .toolStart: calls[e.callID ?? ""] = e.runID
        default: break
        }
    }
    return (runs, calls)
}

// OpenLLMetry's attributes, as opentelemetry-instrumentation-langchain 0.62 writes them for
// langchain's create_agent (a LangGraph graph).
private func graphSpan(_ agent: String) -> [String: String] {
    ["gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "langgraph", "gen_ai.agent.name": agent]
}
private func workflow(_ name: String) -> [String: String] {
    [
        "traceloop.span.kind": "workflow", "traceloop.entity.name": name, "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": name, "gen_ai.provider.name": "langgraph",
        "traceloop.association.properties.lc_agent_name": name,
    ]
}
private func task(_ name: String, agent: String) -> [String: String] {
    [
        "traceloop.span.kind": "task", "traceloop.entity.name": name, "gen_ai.operation.name": "execute_task",
        "traceloop.association.properties.lc_agent_name": agent,
    ]
}
private func chat(_ model: String) -> [String: String] {
    [
        "gen_ai.operation.name": "chat", "gen_ai.response.model": model, "gen_ai.usage.input_tokens": "11",
        "gen_ai.usage.output_tokens": "3",
    ]
}
private func tool(_ name: String) -> [String: String] {
    ["traceloop.span.kind": "tool", "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name]
}

@Suite("Span conventions: what each framework's spans are to an agent's story")
struct SpanConventionsTests {
    @Test("OpenLLMetry: a tool's input is the input_str of LangChain's callback envelope; other inputs stay as they are")
    func callbackEnvelope() {
        let envelope = #"{"input_str": "{'city': 'Paris'}", "tags": [], "metadata": {"langgraph_step": 2}, "inputs": {}}"#
        #expect(SpanFacts.unwrappingCallbackEnvelope(envelope) == "{'city': 'Paris'}")
        for text in [#"{"city": "Paris"}"#, #"{"input_str": 3}"#, "input_str", "", #"{"input_str": "x""#] {
            #expect(SpanFacts.unwrappingCallbackEnvelope(text) == text)
        }
    }

    @Test("OpenLLMetry: LangGraph's graph span is structure; the graph's workflow span beneath it is the one run")
    func langGraphTopLevel() {
        let (runs, calls) = assemble([
            span(1, "invoke_agent weather", graphSpan("weather")),
            span(2, parent: 1, "weather.workflow", workflow("weather")),
            span(3, parent: 2, "execute_task model", task("model", agent: "weather")),
            span(4, parent: 3, "ScriptedChat.chat", chat("scripted-weather")),
            span(5, parent: 2, "execute_task tools", task("tools", agent: "weather")),
            span(6, parent: 5, "execute_tool get_weather", tool("get_weather")),
        ])
        #expect(runs.count == 1)
        #expect(runs[hex(2)]?.parent == nil)
        #expect(runs[hex(2)]?.name == "weather")
        #expect(calls == [hex(4): hex(2), hex(6): hex(2)])
    }

    @Test("OpenLLMetry: an agent run inside another is its task named as the agent, not the empty graph span beside it")
    func langChainNestedAgent() {
        let (runs, calls) = assemble([
            span(1, "invoke_agent planner", graphSpan("planner")),
            span(2, parent: 1, "planner.workflow", workflow("planner")),
            span(3, parent: 2, "execute_task tools", task("tools", agent: "planner")),
            span(4, parent: 3, "execute_tool research", tool("research")),
            // Beside the researcher's chain, not above it.
            span(5, parent: 4, "invoke_agent researcher", graphSpan("researcher")),
            span(6, parent: 4, "execute_task researcher", task("researcher", agent: "researcher")),
            span(7, parent: 6, "execute_task model", task("model", agent: "researcher")),
            span(8, parent: 7, "ScriptedChat.chat", chat("scripted-researcher")),
        ])
        #expect(runs.count == 2)
        #expect(runs[hex(6)]?.parent == hex(2))
        #expect(runs[hex(6)]?.name == "researcher")
        #expect(runs[hex(5)] == nil)
        #expect(calls == [hex(4): hex(2), hex(8): hex(6)])
    }

    @Test("the rules are narrow: a task named otherwise, or a graph span marked with a kind, keeps its role")
    func narrowRules() {
        func role(_ attributes: [String: String]) -> SpanRole? { facts([span(1, "s", attributes)]).first?.role }
        #expect(role(task("model", agent: "researcher")) == .other)
        #expect(role(task("researcher", agent: "researcher")) == .agent)
        #expect(role(["traceloop.span.kind": "task", "traceloop.entity.name": "x"]) == .other)
        #expect(role(graphSpan("weather")) == .other)
        #expect(role(workflow("weather")) == .agent)
        #expect(role(["gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "openai"]) == .agent)
        // OpenInference (openinference-instrumentation-openai-agents): its kinds as they are.
        #expect(role(["openinference.span.kind": "AGENT", "agent.name": "triage"]) == .agent)
        #expect(role(["openinference.span.kind": "TOOL", "tool.name": "get_weather"]) == .tool)
        #expect(role(["openinference.span.kind": "LLM", "llm.model_name": "m"]) == .llm)
        #expect(role(["openinference.span.kind": "CHAIN"]) == .other)
    }
}
