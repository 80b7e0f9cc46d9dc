/// One call to a language model: what an exporter author and the monitor know of it once it
/// returned (OpenTelemetry's GenAI `chat`/`text_completion`/`embeddings` spans, OpenInference
/// LLM spans, OpenLLMetry's model spans).
///
/// It is one event, dispatched when the call ends, with its start inside: a model call is
/// reported whole by every convention that knows it (streamed chunks have no span of their
/// own). Token counts are `nil` when the producer did not say, never a guessed zero.
public struct LLMCall: Sendable, Hashable {
    /// The model that answered (`gen_ai.response.model`), else the one asked for.
    public var model: String?
    /// Who serves it (`gen_ai.provider.name`, `gen_ai.system`, `llm.provider`): `openai`, …
    public var provider: String?
    /// The GenAI operation: `chat`, `text_completion`, `generate_content`, `embeddings`.
    public var operation: String?
    /// Prompt tokens.
    public var inputTokens: Int?
    /// Completion tokens.
    public var outputTokens: Int?
    /// Prompt tokens read from the provider's cache (counted within `inputTokens`).
    public var cacheReadTokens: Int?
    /// Reasoning tokens (counted within `outputTokens`).
    public var reasoningTokens: Int?
    /// Why generation stopped, one per choice (`stop`, `length`, `tool_calls`, …).
    public var finishReasons: [String]
    /// When the call started; the event's timestamp is when it ended.
    public var start: Timestamp
    /// The error, when the call failed.
    public var error: TelemetryError?
    /// The messages sent, as the producer gave them (JSON text), for the detail view.
    public var inputMessages: String?
    /// The messages received, as the producer gave them (JSON text).
    public var outputMessages: String?

    /// A call with every field given; only `start` is required.
    public init(
        model: String? = nil, provider: String? = nil, operation: String? = nil, inputTokens: Int? = nil,
        outputTokens: Int? = nil, cacheReadTokens: Int? = nil, reasoningTokens: Int? = nil,
        finishReasons: [String] = [], start: Timestamp, error: TelemetryError? = nil,
        inputMessages: String? = nil, outputMessages: String? = nil
    ) {
        self.model = model
        self.provider = provider
        self.operation = operation
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.reasoningTokens = reasoningTokens
        self.finishReasons = finishReasons
        self.start = start
        self.error = error
        self.inputMessages = inputMessages
        self.outputMessages = outputMessages
    }
}

extension LLMCall {
    /// The `llm` member of an `llm_call` telemetry object, members in the documented order
    /// (docs/protocol.md); absent fields are left out, not written as null.
    package var json: JSONValue {
        var o = JSONObject()
        if let model { o.appendUnchecked("model", .string(model)) }
        if let provider { o.appendUnchecked("provider", .string(provider)) }
        if let operation { o.appendUnchecked("operation", .string(operation)) }
        o.appendUnchecked("start", .string(start.rfc3339))
        if let inputTokens { o.appendUnchecked("input_tokens", .int(Int64(inputTokens))) }
        if let outputTokens { o.appendUnchecked("output_tokens", .int(Int64(outputTokens))) }
        if let cacheReadTokens { o.appendUnchecked("cache_read_tokens", .int(Int64(cacheReadTokens))) }
        if let reasoningTokens { o.appendUnchecked("reasoning_tokens", .int(Int64(reasoningTokens))) }
        if !finishReasons.isEmpty { o.appendUnchecked("finish_reasons", .array(finishReasons.map(JSONValue.string))) }
        if let error { o.appendUnchecked("error", error.json) }
        if let inputMessages { o.appendUnchecked("input_messages", .string(inputMessages)) }
        if let outputMessages { o.appendUnchecked("output_messages", .string(outputMessages)) }
        return .object(o)
    }

    /// Reads the `llm` member; `end` stands in for a missing or unreadable start.
    package init(json: JSONValue?, end: Timestamp) {
        let o = json?.objectValue ?? [:]
        func int(_ k: String) -> Int? { o[k]?.intValue.flatMap { Int(exactly: $0) } }
        self.init(
            model: o["model"]?.stringValue, provider: o["provider"]?.stringValue,
            operation: o["operation"]?.stringValue, inputTokens: int("input_tokens"),
            outputTokens: int("output_tokens"), cacheReadTokens: int("cache_read_tokens"),
            reasoningTokens: int("reasoning_tokens"),
            finishReasons: o["finish_reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            start: o["start"]?.stringValue.flatMap(Timestamp.init(rfc3339:)) ?? end,
            error: o["error"].flatMap { e in
                e.objectValue.map {
                    TelemetryError(type: $0["type"]?.stringValue ?? "Error", message: $0["message"]?.displayText ?? "")
                }
            },
            inputMessages: o["input_messages"]?.stringValue, outputMessages: o["output_messages"]?.stringValue)
    }
}
