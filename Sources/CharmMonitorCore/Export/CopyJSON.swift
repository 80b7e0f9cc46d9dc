import CharmTelemetry

/// The JSON that `y` copies: a tool call, a model call or a run as the monitor holds them
/// (texts as kept, so cut ones end with "…" and redacted secrets stay redacted). Members
/// come in a fixed order, times are RFC 3339, durations milliseconds (as in the headless
/// summary), and absent values are null rather than left out, so a reader sees every field.
package enum CopyJSON {
    /// A tool call of run `runID`.
    package static func toolCall(_ c: ToolCallRecord, runID: String) -> JSONValue {
        var o = JSONObject()
        o.appendUnchecked("kind", "tool")
        o.appendUnchecked("run_id", .string(runID))
        o.appendUnchecked("call_id", .string(c.callID))
        o.appendUnchecked("tool_name", .string(c.toolName))
        o.appendUnchecked("status", .string(c.status.rawValue))
        o.appendUnchecked("start", .string(c.start.rfc3339))
        o.appendUnchecked("end", time(c.end))
        o.appendUnchecked("duration_ms", milliseconds(c.duration))
        o.appendUnchecked("input", .string(c.input))
        o.appendUnchecked("output", c.output.map(JSONValue.string) ?? .null)
        o.appendUnchecked("error", c.error?.json ?? .null)
        return .object(o)
    }

    /// A model call of run `runID`, with its cost when `prices` knows it.
    package static func llmCall(_ r: LLMCallRecord, runID: String, prices: PriceTable) -> JSONValue {
        let c = r.call
        func count(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
        func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        var o = JSONObject()
        o.appendUnchecked("kind", "llm")
        o.appendUnchecked("run_id", .string(runID))
        o.appendUnchecked("call_id", .string(r.callID))
        o.appendUnchecked("model", text(c.model))
        o.appendUnchecked("provider", text(c.provider))
        o.appendUnchecked("operation", text(c.operation))
        o.appendUnchecked("status", .string(r.status.rawValue))
        o.appendUnchecked("start", .string(r.start.rfc3339))
        o.appendUnchecked("end", .string(r.end.rfc3339))
        o.appendUnchecked("duration_ms", milliseconds(r.duration))
        o.appendUnchecked("input_tokens", count(c.inputTokens))
        o.appendUnchecked("output_tokens", count(c.outputTokens))
        o.appendUnchecked("cache_read_tokens", count(c.cacheReadTokens))
        o.appendUnchecked("reasoning_tokens", count(c.reasoningTokens))
        o.appendUnchecked("cost_usd", usd(prices.cost(of: c)))
        o.appendUnchecked("finish_reasons", .array(c.finishReasons.map(JSONValue.string)))
        o.appendUnchecked("error", c.error?.json ?? .null)
        o.appendUnchecked("input_messages", text(c.inputMessages))
        o.appendUnchecked("output_messages", text(c.outputMessages))
        return .object(o)
    }

    /// A timeline entry: its tool or model call.
    package static func call(_ entry: TimelineCall, prices: PriceTable) -> JSONValue {
        switch entry.item {
        case .tool(let c): toolCall(c, runID: entry.runID)
        case .llm(let c): llmCall(c, runID: entry.runID, prices: prices)
        }
    }

    /// A run: what it is and how it stands, its own tool and model calls in full (its
    /// sub-runs by id under `children`), and its streamed text.
    package static func run(_ r: MonitorRun, prices: PriceTable) -> JSONValue {
        func count(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
        var o = JSONObject()
        o.appendUnchecked("run_id", .string(r.id))
        o.appendUnchecked("name", r.name.map(JSONValue.string) ?? .null)
        o.appendUnchecked("parent_run_id", r.parentID.map(JSONValue.string) ?? .null)
        o.appendUnchecked("source", .string(r.source.name))
        o.appendUnchecked("status", .string(r.isUnfinished && r.status != .error ? "unfinished" : r.status.rawValue))
        o.appendUnchecked("start", .string(r.start.rfc3339))
        o.appendUnchecked("end", time(r.end))
        o.appendUnchecked("duration_ms", milliseconds(r.end.map { max(0, $0.seconds(since: r.start)) }))
        o.appendUnchecked("inputs", .object(r.inputs))
        o.appendUnchecked("outputs", r.outputs.map(JSONValue.object) ?? .null)
        o.appendUnchecked("errors", .int(Int64(r.errorCount)))
        o.appendUnchecked("last_error", r.lastError?.json ?? .null)
        o.appendUnchecked("exit_code", count(r.exitCode))
        o.appendUnchecked("tokens", .int(Int64(r.tokenCount)))
        o.appendUnchecked("input_tokens", r.llmCallCount == 0 ? .int(0) : count(r.inputTokens))
        o.appendUnchecked("output_tokens", r.llmCallCount == 0 ? .int(0) : count(r.outputTokens))
        o.appendUnchecked("cost_usd", usd(r.cost))
        o.appendUnchecked("tool_calls", .array(r.toolCalls.map { toolCall($0, runID: r.id) }))
        o.appendUnchecked("llm_calls", .array(r.llmCalls.map { llmCall($0, runID: r.id, prices: prices) }))
        // What the model no longer holds, so a reader knows the lists or the text are partial.
        o.appendUnchecked("evicted_tool_calls", .int(Int64(r.evictedToolCalls)))
        o.appendUnchecked("evicted_llm_calls", .int(Int64(r.evictedLLMCalls)))
        o.appendUnchecked("children", .array(r.children.map(JSONValue.string)))
        o.appendUnchecked(
            "artifacts",
            .array(r.artifacts.map { a in
                .object(["name": .string(a.name), "location": .string(a.location), "mime": a.mime.map(JSONValue.string) ?? .null])
            }))
        o.appendUnchecked("dropped_text_bytes", .int(Int64(r.droppedTextBytes)))
        o.appendUnchecked("text", .string(r.text))
        return .object(o)
    }

    /// An entry of the errors pane.
    package static func error(_ e: MonitorErrorEntry) -> JSONValue {
        var o = JSONObject()
        o.appendUnchecked("kind", .string(e.kind.rawValue))
        o.appendUnchecked("at", .string(e.at.rfc3339))
        o.appendUnchecked("source", e.source.map { .string($0.name) } ?? .null)
        o.appendUnchecked("run_id", e.runID.map(JSONValue.string) ?? .null)
        o.appendUnchecked("call_id", e.callID.map(JSONValue.string) ?? .null)
        o.appendUnchecked("message", .string(e.message))
        o.appendUnchecked("preview", e.preview.map(JSONValue.string) ?? .null)
        o.appendUnchecked("line", e.line.map { .int(Int64($0)) } ?? .null)
        return .object(o)
    }

    private static func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.rfc3339) } ?? .null }

    /// Milliseconds to the microsecond, as the headless summary writes durations.
    private static func milliseconds(_ seconds: Double?) -> JSONValue {
        seconds.map { .double(($0 * 1_000_000).rounded() / 1_000) } ?? .null
    }

    private static func usd(_ cost: Double?) -> JSONValue { cost.map { .double(($0 * 1e9).rounded() / 1e9) } ?? .null }
}
