import CharmTelemetry

/// A span in OTLP terms, ready to encode as protobuf or JSON.
struct OTLPSpan: Sendable {
    /// An attribute value (the subset of AnyValue we produce).
    enum Value: Sendable, Hashable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case double(Double)
    }

    /// `Span.SpanKind`: INTERNAL = 1, CLIENT = 3.
    enum Kind: Int, Sendable {
        case internal_ = 1
        case client = 3
    }

    var traceID: [UInt8]
    var spanID: [UInt8]
    var parentSpanID: [UInt8]
    var name: String
    var kind: Kind
    var startNanos: UInt64
    var endNanos: UInt64
    var attributes: [(String, Value)]
    /// `Status.StatusCode`: UNSET = 0, OK = 1, ERROR = 2.
    var statusCode: Int
    var statusMessage: String

    /// Approximate encoded size, for batching by bytes.
    var estimatedBytes: Int {
        64 + name.utf8.count + statusMessage.utf8.count
            + attributes.reduce(0) { n, a in
                if case .string(let s) = a.1 { return n + a.0.utf8.count + s.utf8.count + 8 }
                return n + a.0.utf8.count + 16
            }
    }
}

/// Maps spans to OTLP spans per the OpenTelemetry GenAI semantic conventions.
struct OTLPSpanMapping: Sendable {
    /// `gen_ai.agent.name` and the run span's name suffix.
    var agentName: String
    /// `gen_ai.agent.id`: charm.yaml's id when known.
    var agentID: String
    /// Longest text attribute kept (tool arguments and results).
    var maxTextLength = 4096

    func span(_ s: SpanRecord) -> OTLPSpan {
        var attrs: [(String, OTLPSpan.Value)] = []
        let name: String
        var kind = OTLPSpan.Kind.internal_
        switch s.kind {
        case .run:
            let agent = s.agentName ?? agentName
            name = "invoke_agent \(agent)"
            attrs.append(("gen_ai.operation.name", .string("invoke_agent")))
            attrs.append(("gen_ai.agent.id", .string(agentID)))
            attrs.append(("gen_ai.agent.name", .string(agent)))
        case .tool:
            name = "execute_tool \(s.name)"
            attrs.append(("gen_ai.operation.name", .string("execute_tool")))
            attrs.append(("gen_ai.tool.name", .string(s.name)))
            if let c = s.callID { attrs.append(("gen_ai.tool.call.id", .string(c))) }
            attrs.append(("gen_ai.tool.type", .string("function")))
            if let i = s.input { attrs.append(("gen_ai.tool.call.arguments", .string(clip(JSONBytes.text(i))))) }
            if let o = s.output { attrs.append(("gen_ai.tool.call.result", .string(clip(JSONBytes.text(o))))) }
        case .llm:
            kind = .client
            if let call = s.llmCall {
                // A whole model call (an llm_call event): what the GenAI conventions say of one.
                let operation = call.operation ?? "chat"
                name = call.model.map { "\(operation) \($0)" } ?? operation
                attrs.append(("gen_ai.operation.name", .string(operation)))
                if let m = call.model {
                    attrs.append(("gen_ai.request.model", .string(m)))
                    attrs.append(("gen_ai.response.model", .string(m)))
                }
                if let p = call.provider { attrs.append(("gen_ai.provider.name", .string(p))) }
                if let n = call.inputTokens { attrs.append(("gen_ai.usage.input_tokens", .int(Int64(n)))) }
                if let n = call.outputTokens { attrs.append(("gen_ai.usage.output_tokens", .int(Int64(n)))) }
                if let m = call.inputMessages { attrs.append(("gen_ai.input.messages", .string(clip(m)))) }
                if let m = call.outputMessages { attrs.append(("gen_ai.output.messages", .string(clip(m)))) }
            } else {
                name = "chat"
                attrs.append(("gen_ai.operation.name", .string("chat")))
                attrs.append(("gen_ai.usage.output_tokens", .int(Int64(s.tokenCount))))
            }
        }
        attrs.append(("charm.run_id", .string(s.runID)))
        if s.unfinished { attrs.append(("charm.run.status", .string("unfinished"))) }
        if let e = s.error { attrs.append(("error.type", .string(e.type))) }
        let end = s.end ?? s.start
        return OTLPSpan(
            traceID: DerivedID.bytes(s.traceKey, count: 16, salt: "trace"),
            spanID: DerivedID.bytes(s.key, count: 8, salt: "span"),
            parentSpanID: s.parentKey.map { DerivedID.bytes($0, count: 8, salt: "span") } ?? [],
            name: name, kind: kind, startNanos: s.start.nanosecondsSinceEpoch, endNanos: end.nanosecondsSinceEpoch,
            attributes: attrs, statusCode: s.error == nil ? 0 : 2, statusMessage: s.error?.message ?? "")
    }

    private func clip(_ s: String) -> String {
        s.utf8.count <= maxTextLength ? s : String(s.prefix(maxTextLength))
    }
}
