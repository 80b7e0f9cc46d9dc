import CharmTelemetry
import CharmWire
import Foundation
import OTLPProto

/// Reads a span under the three agent conventions (docs/otlp.md has the table):
/// OpenTelemetry's GenAI semantic conventions, OpenInference, and OpenLLMetry (Traceloop).
/// A span marked by more than one is read by the first that marks it, in that order.
extension SpanFacts {
    /// The span's facts; `nil` when its trace or span id is not the size OTLP requires (such
    /// a span is rejected and counted in `partial_success`).
    init?(span: Opentelemetry_Proto_Trace_V1_Span, service: String) {
        guard span.traceID.count == 16, span.spanID.count == 8, span.traceID.contains(where: { $0 != 0 }),
            span.spanID.contains(where: { $0 != 0 })
        else { return nil }
        let a = SpanAttributes(span.attributes)
        let start = Timestamp(unixNanoseconds: span.startTimeUnixNano)
        let end = Timestamp(unixNanoseconds: max(span.endTimeUnixNano, span.startTimeUnixNano))
        self.init(
            traceID: span.traceID.lowercaseHex, spanID: span.spanID.lowercaseHex,
            parentSpanID: span.parentSpanID.count == 8 && span.parentSpanID.contains(where: { $0 != 0 })
                ? span.parentSpanID.lowercaseHex : nil,
            service: service, name: span.name, role: SpanFacts.role(a), start: start, end: end)
        // HAS_IS_REMOTE (0x100) and IS_REMOTE (0x200) both set.
        parentIsRemote = span.flags & 0x300 == 0x300
        if span.status.code == .error { error = SpanFacts.error(span, a) }
        switch role {
        case .agent:
            agentName = a.string("gen_ai.agent.name", "agent_name", "agent.name", "traceloop.entity.name") ?? span.name
            if let input = a.json("input.value") ?? a.json("traceloop.entity.input") ?? a.json("gen_ai.input.messages") {
                runInputs = ["input": input]
            }
            if let output = a.json("output.value") ?? a.json("traceloop.entity.output") ?? a.json("gen_ai.output.messages")
                ?? a.json("final_result")
            {
                runOutputs = ["output": output]
            }
        case .tool:
            toolName = a.string("gen_ai.tool.name", "tool.name", "traceloop.entity.name") ?? span.name
            toolCallID = a.string("gen_ai.tool.call.id", "tool_call.id", "tool.call_id")
            toolInput = SpanFacts.unwrappingCallbackEnvelope(
                a.string("gen_ai.tool.call.arguments", "tool_arguments", "input.value", "tool.parameters",
                    "traceloop.entity.input") ?? "")
            toolOutput = a.string("gen_ai.tool.call.result", "tool_response", "output.value", "traceloop.entity.output") ?? ""
        case .llm:
            llm = SpanFacts.llmCall(a, start: start, error: error)
        case .other:
            break
        }
        bound()
    }

    /// A tool's own input out of OpenLLMetry's LangChain callback envelope: its
    /// `gen_ai.tool.call.arguments` and `traceloop.entity.input` are `{"input_str": …,
    /// "tags": …, "metadata": {"langgraph_step": …, …}}`, whose metadata differs at every
    /// step (two identical calls would look different); the input is `input_str`. Any other
    /// text is returned as it is.
    static func unwrappingCallbackEnvelope(_ text: String) -> String {
        guard text.hasPrefix("{"), text.contains("\"input_str\""),
            case .object(let o)? = try? JSONParser.parse(text), case .string(let input)? = o["input_str"]
        else { return text }
        return input
    }

    /// The most bytes of one text a waiting span keeps (inputs, outputs, messages, errors):
    /// spans wait in memory, counted by number, so each must be small whatever was sent.
    static let maxTextBytes = 64 << 10

    /// `s` cut to `maxTextBytes` on a character boundary, the cut marked with `…`.
    static func cut(_ s: String) -> String { s.cut(toUTF8: maxTextBytes) }

    /// Cuts every text to `maxTextBytes`, marking the cut.
    private mutating func bound() {
        func cut(_ s: String) -> String { SpanFacts.cut(s) }
        // Sized without writing the JSON out, which only a cut one needs.
        func cut(_ o: JSONObject) -> JSONObject { o.bounded(toJSONBytes: SpanFacts.maxTextBytes) }
        name = cut(name)
        toolInput = cut(toolInput)
        toolOutput = cut(toolOutput)
        runInputs = cut(runInputs)
        runOutputs = cut(runOutputs)
        agentName = agentName.map(cut)
        toolName = toolName.map(cut)
        error = error.map { TelemetryError(type: cut($0.type), message: cut($0.message)) }
        if var call = llm {
            call.inputMessages = call.inputMessages.map(cut)
            call.outputMessages = call.outputMessages.map(cut)
            call.model = call.model.map(cut)
            call.error = error
            if call.finishReasons.count > 16 { call.finishReasons.removeLast(call.finishReasons.count - 16) }
            call.finishReasons = call.finishReasons.map(cut)
            llm = call
        }
    }

    /// The role, from the first convention that marks the span.
    static func role(_ a: SpanAttributes) -> SpanRole {
        if isLangGraphGraphSpan(a) { return .other }
        if let op = a.string("gen_ai.operation.name") {
            switch op {
            case "invoke_agent", "create_agent": return .agent
            case "execute_tool": return .tool
            case "chat", "text_completion", "generate_content", "embeddings", "completion": return .llm
            default: break
            }
        }
        if let kind = a.string("openinference.span.kind") {
            switch kind.uppercased() {
            case "AGENT": return .agent
            case "TOOL": return .tool
            case "LLM", "EMBEDDING": return .llm
            default: return .other
            }
        }
        if let kind = a.string("traceloop.span.kind") {
            switch kind.lowercased() {
            case "agent": return .agent
            case "tool": return .tool
            case "task" where isLangChainAgentChain(a): return .agent
            default: return .other
            }
        }
        // OpenLLMetry's model spans carry no span kind, only the request type.
        if a.has("llm.request.type") { return .llm }
        return .other
    }

    /// OpenLLMetry's span around a LangGraph graph's invocation (`invoke_agent NAME`, provider
    /// `langgraph`, no `traceloop.span.kind`). The graph's own chain span is the run: the
    /// `workflow` span beneath it at the top, a `task` span beside it (not beneath: it is
    /// parented through LangChain's callbacks) when the graph runs inside another. Taken as a
    /// run it would be the same agent twice, and nested, an empty run beside the real one.
    static func isLangGraphGraphSpan(_ a: SpanAttributes) -> Bool {
        a.string("gen_ai.operation.name") == "invoke_agent" && a.string("gen_ai.provider.name") == "langgraph"
            && !a.has("traceloop.span.kind")
    }

    /// OpenLLMetry's chain span of a LangChain agent (`create_agent`) that runs inside another
    /// (a tool calling it): a `task` named as the agent whose run it is
    /// (`traceloop.entity.name` equal to `traceloop.association.properties.lc_agent_name`).
    /// At the top the same chain is a `workflow` marked `invoke_agent`; nested, nothing else
    /// says it is an agent.
    static func isLangChainAgentChain(_ a: SpanAttributes) -> Bool {
        guard let name = a.string("traceloop.entity.name") else { return false }
        return a.string("traceloop.association.properties.lc_agent_name") == name
    }

    /// The error of a span whose status is ERROR: `error.type` (GenAI), else the recorded
    /// exception's type; the status message, else the exception's message.
    static func error(_ span: Opentelemetry_Proto_Trace_V1_Span, _ a: SpanAttributes) -> TelemetryError {
        let exception = span.events.last { $0.name == "exception" }.map { SpanAttributes($0.attributes) }
        let type = a.string("error.type") ?? exception?.string("exception.type") ?? "Error"
        let message = span.status.message.isEmpty ? exception?.string("exception.message") ?? "" : span.status.message
        return TelemetryError(type: type, message: message)
    }

    /// A model span's call.
    static func llmCall(_ a: SpanAttributes, start: Timestamp, error: TelemetryError?) -> LLMCall {
        var finish = a.strings("gen_ai.response.finish_reasons")
        if finish.isEmpty { finish = a.strings("llm.response.finish_reason") }
        return LLMCall(
            model: a.string("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "llm.response.model",
                "llm.request.model"),
            provider: a.string("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
            operation: a.string("gen_ai.operation.name", "llm.request.type"),
            inputTokens: a.int("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
                "llm.usage.prompt_tokens"),
            outputTokens: a.int("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                "llm.token_count.completion", "llm.usage.completion_tokens"),
            cacheReadTokens: a.int("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                "llm.token_count.prompt_details.cache_read"),
            reasoningTokens: a.int("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens",
                "llm.token_count.completion_details.reasoning"),
            finishReasons: finish, start: start, error: error,
            inputMessages: a.string("gen_ai.input.messages", "input.value", "gen_ai.prompt")
                ?? SpanFacts.flattenedMessages(a, "gen_ai.prompt.") ?? SpanFacts.flattenedMessages(a, "llm.input_messages."),
            outputMessages: a.string("gen_ai.output.messages", "output.value", "gen_ai.completion")
                ?? SpanFacts.flattenedMessages(a, "gen_ai.completion.")
                ?? SpanFacts.flattenedMessages(a, "llm.output_messages."))
    }

    /// Messages written one attribute per field (`gen_ai.prompt.0.role`, …) as one JSON object
    /// of those fields, for the detail view; `nil` when there are none.
    static func flattenedMessages(_ a: SpanAttributes, _ prefix: String) -> String? {
        let fields = a.flattened(prefix: prefix)
        guard !fields.isEmpty else { return nil }
        var o = JSONObject()
        for (k, v) in fields { o[String(k.dropFirst(prefix.count))] = .string(v) }
        return JSONWriter.compact(.object(o))
    }
}
