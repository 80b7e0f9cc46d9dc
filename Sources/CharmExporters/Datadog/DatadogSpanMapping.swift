import CharmTelemetry

/// Builds Datadog LLM Observability span objects (HTTP API "Spans API", `SpansRequestData`)
/// from finished spans: run → `agent`, tool call → `tool`, token stream → `llm`.
enum DatadogSpanMapping {
    /// Datadog's span id: a decimal 64-bit number, as its SDKs write it.
    static func spanID(_ key: String) -> String {
        let b = DerivedID.bytes(key, count: 8, salt: "span")
        var v: UInt64 = 0
        for x in b { v = v << 8 | UInt64(x) }
        return String(v >> 1)  // 63 bits: some Datadog backends read it as a signed integer
    }

    /// The span object for one finished span, labelled as ddtrace labels its own: the model
    /// on llm spans (`meta.model_name`/`model_provider`), and per-span tags `ml_app:`,
    /// `session_id:`, `error:0|1` and, on a failure, `error_type:` (Datadog's error facets
    /// read these tags, not `status`).
    static func span(_ s: SpanRecord, mlApp: String, model: LLMModel? = nil) -> JSONObject {
        var meta = JSONObject()
        var metrics = JSONObject()
        var metadata = JSONObject()
        var tags: [JSONValue] = [
            .string("ml_app:\(mlApp)"), .string("session_id:\(s.traceKey)"), .string("charm.run_id:\(s.runID)"),
        ]
        switch s.kind {
        case .run:
            meta["kind"] = "agent"
            meta["input"] = .object(["value": .string(JSONBytes.text(s.input))])
            if let o = s.output { meta["output"] = .object(["value": .string(JSONBytes.text(o))]) }
        case .tool:
            meta["kind"] = "tool"
            meta["input"] = .object(["value": .string(JSONBytes.text(s.input))])
            if let o = s.output { meta["output"] = .object(["value": .string(JSONBytes.text(o))]) }
            if let c = s.callID { tags.append(.string("charm.tool_call_id:\(c)")) }
        case .llm:
            meta["kind"] = "llm"
            if let model {
                meta["model_name"] = .string(model.name)
                meta["model_provider"] = .string(model.provider)
            }
            meta["output"] = .object([
                "messages": .array([.object(["role": "assistant", "content": .string(JSONBytes.text(s.output))])])
            ])
            metrics["output_tokens"] = .int(Int64(s.tokenCount))
            if let a = s.action {
                metadata["agent_action"] = .object(["tool": .string(a.tool), "tool_input": .string(a.input)])
            }
        }
        // ddtrace always sends both, empty or not.
        meta["metadata"] = .object(metadata)
        if let e = s.error {
            meta["error"] = .object(["message": .string(e.message), "type": .string(e.type)])
            tags.append("error:1")
            tags.append(.string("error_type:\(e.type)"))
        } else {
            tags.append("error:0")
        }
        var o = JSONObject()
        o["parent_id"] = .string(s.parentKey.map(spanID) ?? "undefined")
        o["trace_id"] = .string(DerivedID.traceHex(s.traceKey))
        o["span_id"] = .string(spanID(s.key))
        o["name"] = .string(s.name)
        o["meta"] = .object(meta)
        o["start_ns"] = .int(s.start.microseconds * 1_000)
        o["duration"] = .int(s.durationNanoseconds)
        o["status"] = .string(s.failed ? "error" : "ok")
        o["metrics"] = .object(metrics)
        o["tags"] = .array(tags)
        o["session_id"] = .string(s.traceKey)
        return o
    }

    /// The request body around encoded spans.
    static func body(spans: [[UInt8]], mlApp: String, tags: [String]) -> [UInt8] {
        var attrs = JSONObject()
        attrs["ml_app"] = .string(mlApp)
        attrs["tags"] = .array(tags.map(JSONValue.string))
        attrs["spans"] = .array([])
        var head = JSONBytes.object(["data": .object(["type": "span", "attributes": .object(attrs)])])
        // Splice the pre-encoded spans into the empty array instead of re-encoding them.
        let tail = Array("[]}}}".utf8)
        head.removeLast(tail.count)
        head.append(contentsOf: JSONBytes.array(spans))
        head.append(contentsOf: "}}}".utf8)
        return head
    }
}
