import CharmTelemetry
import Foundation
import OTLPProto
import Synchronization
import Testing

@testable import CharmOTLP

private let trace = "0af7651916cd43dd8448eb211c80319c"
private let t0 = Timestamp(microseconds: 1_000_000_000)

private func span(_ id: String, parent: String?, _ role: SpanRole, start: Int64 = 0, end: Int64 = 10) -> SpanFacts {
    var s = SpanFacts(
        traceID: trace, spanID: id, parentSpanID: parent, service: "svc", name: id, role: role,
        start: Timestamp(microseconds: start * 1_000), end: Timestamp(microseconds: end * 1_000))
    if role == .llm { s.llm = LLMCall(model: "m", start: s.start) }
    if role == .agent { s.agentName = id }
    return s
}

private func user(_ text: String) -> GenAIMessageEvent { .input(.object(["role": "user", "content": .string(text)])) }
private func choice(_ text: String) -> GenAIMessageEvent {
    .output(.object(["index": 0, "message": .object(["role": "assistant", "content": .string(text)])]))
}

/// The LLM calls among `out`, by call id.
private func calls(_ out: [TraceAssembler.Output]) -> [String: LLMCall] {
    var r: [String: LLMCall] = [:]
    for o in out { if case .llmCall(let c) = o.event.payload { r[o.event.callID ?? ""] = c } }
    return r
}

private func after(seconds: Int64) -> Timestamp { Timestamp(microseconds: t0.microseconds + seconds * 1_000_000) }

@Suite("GenAI events in logs: their messages go to their span's LLM call")
struct GenAIEventsTests {
    @Test("events before their span are held, in order, and the span's call carries them as JSON arrays")
    func beforeTheSpan() {
        var a = TraceAssembler()
        #expect(a.attach(.input(.object(["role": "system", "content": "be brief"])), traceID: trace, spanID: "c1", now: t0) == .held)
        #expect(a.attach(user("hi"), traceID: trace, spanID: "c1", now: t0) == .held)
        #expect(a.attach(choice("hello"), traceID: trace, spanID: "c1", now: t0) == .held)
        #expect(a.heldMessageEvents == 3)
        let c = calls(a.add([span("c1", parent: nil, .llm)], now: t0))["c1"]
        #expect(c?.inputMessages == #"[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]"#)
        #expect(c?.outputMessages == #"[{"index":0,"message":{"role":"assistant","content":"hello"}}]"#)
        #expect(a.heldMessageEvents == 0)
    }

    @Test("events for a span waiting for its agent go out with it; events after it went out are late")
    func whileWaitingAndLate() {
        var a = TraceAssembler()
        #expect(a.add([span("c1", parent: "a1", .llm, start: 1, end: 5)], now: t0).isEmpty)
        #expect(a.attach(user("q"), traceID: trace, spanID: "c1", now: t0) == .held)
        #expect(a.attach(choice("r"), traceID: trace, spanID: "c1", now: t0) == .held)
        let out = a.add([span("a1", parent: nil, .agent, start: 0, end: 10)], now: t0)
        #expect(calls(out)["c1"]?.inputMessages == #"[{"role":"user","content":"q"}]"#)
        #expect(calls(out)["c1"]?.outputMessages == #"[{"index":0,"message":{"role":"assistant","content":"r"}}]"#)
        #expect(a.attach(user("too late"), traceID: trace, spanID: "c1", now: t0) == .late)
        #expect(a.heldMessageEvents == 0)
    }

    @Test("the span's own messages win; operation details replace the events' lists")
    func precedence() {
        var a = TraceAssembler()
        _ = a.attach(user("from event"), traceID: trace, spanID: "c1", now: t0)
        _ = a.attach(.details(input: #"[{"role":"user","parts":[]}]"#, output: nil), traceID: trace, spanID: "c1", now: t0)
        _ = a.attach(choice("from event"), traceID: trace, spanID: "c1", now: t0)
        var s = span("c1", parent: nil, .llm)
        s.llm?.outputMessages = "from the span"
        let c = calls(a.add([s], now: t0))["c1"]
        #expect(c?.inputMessages == #"[{"role":"user","parts":[]}]"#)
        #expect(c?.outputMessages == "from the span")
    }

    @Test("held events are bounded: past the limit the oldest span's go; a span that never comes is forgotten")
    func bounded() {
        var limits = TraceAssembler.Limits()
        limits.maxHeldMessageEvents = 2
        limits.orphanAfter = .seconds(60)
        var a = TraceAssembler(limits: limits)
        _ = a.attach(user("1"), traceID: trace, spanID: "old", now: t0)
        _ = a.attach(user("2"), traceID: trace, spanID: "new", now: t0)
        _ = a.attach(user("3"), traceID: trace, spanID: "new", now: t0)
        #expect(a.heldMessageEvents == 2)
        #expect(calls(a.add([span("old", parent: nil, .llm)], now: t0))["old"]?.inputMessages == nil)
        #expect(
            calls(a.add([span("new", parent: nil, .llm)], now: t0))["new"]?.inputMessages
                == #"[{"role":"user","content":"2"},{"role":"user","content":"3"}]"#)
        // A span waiting for its agent keeps its events past the timeout; one never seen does not.
        #expect(a.add([span("w1", parent: "a9", .llm)], now: t0).isEmpty)
        _ = a.attach(user("kept"), traceID: trace, spanID: "w1", now: t0)
        _ = a.attach(user("lost"), traceID: trace, spanID: "ghost", now: t0)
        #expect(a.heldMessageEvents == 2)
        _ = a.add([span("x", parent: "a9", .other)], now: after(seconds: 59))
        _ = a.expire(now: after(seconds: 61))
        #expect(a.heldMessageEvents == 1)
        let out = a.add([span("a9", parent: nil, .agent)], now: after(seconds: 62))
        #expect(calls(out)["w1"]?.inputMessages == #"[{"role":"user","content":"kept"}]"#)
        #expect(calls(a.add([span("ghost", parent: nil, .llm)], now: after(seconds: 62)))["ghost"]?.inputMessages == nil)
        #expect(a.heldMessageEvents == 0)
    }

    @Test("log records: GenAI events read by event_name or event.name, plain records by body; lines for the log pane")
    func records() throws {
        func kv(_ k: String, _ v: String) -> Opentelemetry_Proto_Common_V1_KeyValue {
            var p = Opentelemetry_Proto_Common_V1_KeyValue()
            p.key = k
            p.value.stringValue = v
            return p
        }
        func record(_ name: String, body: [(String, String)]?, attrs: [Opentelemetry_Proto_Common_V1_KeyValue] = [])
            -> Opentelemetry_Proto_Logs_V1_LogRecord
        {
            var r = Opentelemetry_Proto_Logs_V1_LogRecord()
            r.eventName = name
            r.traceID = Data((1...16).map { UInt8($0) })
            r.spanID = Data((1...8).map { UInt8($0) })
            r.attributes = attrs
            if let body { r.body.kvlistValue.values = body.map { kv($0.0, $0.1) } }
            return r
        }
        let u = LogFacts(record: record("gen_ai.user.message", body: [("content", "what is 2+2?")]), service: "svc")
        #expect(u.message == .input(.object(["role": "user", "content": "what is 2+2?"])))
        #expect(u.line == "gen_ai.user.message: what is 2+2?")
        #expect(u.spanID == "0102030405060708")
        let byAttr = LogFacts(record: record("", body: [("content", "x")], attrs: [kv("event.name", "gen_ai.tool.message")]), service: "svc")
        #expect(byAttr.message == .input(.object(["role": "tool", "content": "x"])))
        var plain = Opentelemetry_Proto_Logs_V1_LogRecord()
        plain.body.stringValue = "disk almost full"
        let p = LogFacts(record: plain, service: "svc")
        #expect(p.message == nil && p.line == "disk almost full" && p.spanID == nil)
        let other = LogFacts(record: record("gen_ai.evaluation.result", body: nil), service: "svc")
        #expect(other.message == nil && other.line == "gen_ai.evaluation.result")

        // Through the ingest: the event is held for its span, every record is a line.
        let lines = Mutex<[OTLPIngest.LogLine]>([])
        let events = Mutex<[TelemetryEvent]>([])
        let ingest = OTLPIngest(log: { l in lines.withLock { $0 += l } }) { e, _ in events.withLock { $0 += e } }
        var request = LogsRequest()
        var rl = Opentelemetry_Proto_Logs_V1_ResourceLogs()
        rl.resource.attributes = [kv("service.name", "bot")]
        var sl = Opentelemetry_Proto_Logs_V1_ScopeLogs()
        sl.logRecords = [record("gen_ai.user.message", body: [("content", "what is 2+2?")]), plain]
        rl.scopeLogs = [sl]
        request.resourceLogs = [rl]
        #expect(ingest.receive(request, now: t0).accepted == 2)
        #expect(lines.withLock { $0.map(\.text) } == ["gen_ai.user.message: what is 2+2?", "disk almost full"])
        #expect(lines.withLock { $0.map(\.source) } == ["otlp:bot", "otlp:bot"])
        #expect(ingest.genAIEvents.held == 1)
    }
}
