import CharmTelemetry
import Testing

@testable import CharmOTLP

/// Spans as the assembler sees them, built by hand: ids, times in milliseconds, a role.
private struct Spans {
    static let trace = "0af7651916cd43dd8448eb211c80319c"
    static func span(
        _ id: String, parent: String?, _ role: SpanRole, start: Int64, end: Int64, name: String = "",
        error: Bool = false, trace: String = trace
    ) -> SpanFacts {
        var s = SpanFacts(
            traceID: trace, spanID: id, parentSpanID: parent, service: "svc", name: name.isEmpty ? id : name, role: role,
            start: Timestamp(microseconds: start * 1_000), end: Timestamp(microseconds: end * 1_000))
        if error { s.error = TelemetryError(type: "ValueError", message: "boom") }
        switch role {
        case .agent: s.agentName = name.isEmpty ? "agent-\(id)" : name
        case .tool: s.toolName = "tool-\(id)"
        case .llm: s.llm = LLMCall(model: "m", inputTokens: 1, outputTokens: 2, start: s.start)
        case .other: break
        }
        return s
    }
}

/// One event as a short line: hook, run, call, time in ms.
private func line(_ o: TraceAssembler.Output) -> String {
    let e = o.event
    let ms = e.timestamp.microseconds / 1_000
    switch e.payload {
    case .runStart: return "start \(e.runID) parent=\(e.parentRunID ?? "-") @\(ms)"
    case .runEnd(_, let status): return "end \(e.runID) \(status?.rawValue ?? "-") @\(ms)"
    case .error: return "error \(e.runID) @\(ms)"
    case .toolStart(let n, _): return "tool \(n) in \(e.runID) @\(ms)"
    case .toolEnd(let n, _): return "tool-end \(n) in \(e.runID) @\(ms)"
    case .toolError(let n, _): return "tool-error \(n) in \(e.runID) @\(ms)"
    case .llmCall: return "llm \(e.callID ?? "-") in \(e.runID) @\(ms)"
    default: return "other"
    }
}

private let now = Timestamp(microseconds: 1_000_000_000)

@Suite("Trace assembler: spans late and out of order become runs and calls in time order")
struct TraceAssemblerTests {
    @Test("children wait for their agent; then everything goes out in time order, parents around children")
    func childBeforeParent() {
        var a = TraceAssembler()
        let tool = Spans.span("t1", parent: "w1", .tool, start: 20, end: 30)
        let wrapper = Spans.span("w1", parent: "a1", .other, start: 19, end: 31, name: "running tools")
        let chat = Spans.span("c1", parent: "a1", .llm, start: 5, end: 15)
        let agent = Spans.span("a1", parent: nil, .agent, start: 0, end: 40)
        #expect(a.add([tool], now: now).isEmpty)
        #expect(a.add([wrapper, chat], now: now).isEmpty)
        #expect(a.pendingSpans == 3)
        #expect(a.pendingTraces.first?.tools == 1 && a.pendingTraces.first?.llmCalls == 1)
        let out = a.add([agent], now: now).map(line)
        #expect(out == [
            "start a1 parent=- @0", "llm c1 in a1 @15", "tool tool-t1 in a1 @20", "tool-end tool-t1 in a1 @30",
            "end a1 ok @40",
        ])
        #expect(a.pendingSpans == 0)
        #expect(a.pendingTraces.isEmpty)
        // Sequence numbers follow the order.
        let late = a.add([Spans.span("t2", parent: "w1", .tool, start: 32, end: 33)], now: now)
        #expect(late.map(line) == ["tool tool-t2 in a1 @32", "tool-end tool-t2 in a1 @33"])
        #expect(late.map(\.event.seq) == [6, 7])
    }

    @Test("a nested agent's parent run is the nearest enclosing agent, through a tool span")
    func nestedAgents() {
        var a = TraceAssembler()
        let inner = Spans.span("b1", parent: "t1", .agent, start: 12, end: 18)
        let innerTool = Spans.span("t2", parent: "b1", .tool, start: 13, end: 14)
        let tool = Spans.span("t1", parent: "a1", .tool, start: 10, end: 20)
        let outer = Spans.span("a1", parent: nil, .agent, start: 0, end: 30)
        #expect(a.add([innerTool, inner, tool], now: now).isEmpty)
        let out = a.add([outer], now: now).map(line)
        #expect(out == [
            "start a1 parent=- @0", "tool tool-t1 in a1 @10", "start b1 parent=a1 @12", "tool tool-t2 in b1 @13",
            "tool-end tool-t2 in b1 @14", "end b1 ok @18", "tool-end tool-t1 in a1 @20", "end a1 ok @30",
        ])
    }

    @Test("spans with no agent above them form the trace's run, which ends with the root (error when it failed)")
    func traceRun() {
        var a = TraceAssembler()
        let run = "trace-" + Spans.trace
        let tool = Spans.span("t1", parent: "r1", .tool, start: 5, end: 6)
        let chat = Spans.span("c1", parent: "r1", .llm, start: 2, end: 4)
        let root = Spans.span("r1", parent: nil, .other, start: 1, end: 9, error: true)
        #expect(a.add([tool, chat], now: now).isEmpty)
        #expect(a.add([root], now: now).map(line) == [
            "start \(run) parent=- @2", "llm c1 in \(run) @4", "tool tool-t1 in \(run) @5",
            "tool-end tool-t1 in \(run) @6", "error \(run) @9", "end \(run) error @9",
        ])
    }

    @Test("an agent's failure ends its run in error; a failing tool call ends in tool_error")
    func failures() {
        var a = TraceAssembler()
        let out = a.add([
            Spans.span("t1", parent: "a1", .tool, start: 1, end: 2, error: true),
            Spans.span("a1", parent: nil, .agent, start: 0, end: 3, error: true),
        ], now: now).map(line)
        #expect(out == ["start a1 parent=- @0", "tool tool-t1 in a1 @1", "tool-error tool-t1 in a1 @2", "error a1 @3", "end a1 error @3"])
    }

    @Test("a parent that never comes: given up on after orphanAfter, at finish, or beyond maxPendingSpans")
    func orphans() {
        var limits = TraceAssembler.Limits()
        limits.orphanAfter = .seconds(30)
        var a = TraceAssembler(limits: limits)
        let run = "trace-" + Spans.trace
        #expect(a.add([Spans.span("t1", parent: "gone", .tool, start: 1, end: 2)], now: now).isEmpty)
        #expect(a.expire(now: Timestamp(microseconds: now.microseconds + 29_000_000)).isEmpty)
        let out = a.expire(now: Timestamp(microseconds: now.microseconds + 30_000_000)).map(line)
        // With no root in sight, the trace's run ends with its last span.
        #expect(out == ["start \(run) parent=- @1", "tool tool-t1 in \(run) @1", "tool-end tool-t1 in \(run) @2", "end \(run) ok @2"])
        // A late span of that trace joins the ended run; it does not start it again.
        let late = a.add([Spans.span("t2", parent: "gone", .tool, start: 3, end: 4)], now: Timestamp(microseconds: now.microseconds + 61_000_000))
        #expect(late.isEmpty)
        #expect(a.finish().map(line) == ["tool tool-t2 in \(run) @3", "tool-end tool-t2 in \(run) @4"])

        var b = TraceAssembler()
        _ = b.add([Spans.span("a9", parent: "gone", .agent, start: 1, end: 5)], now: now)
        #expect(b.finish().map(line) == ["start a9 parent=- @1", "end a9 ok @5"])
        #expect(b.pendingSpans == 0)

        limits.maxPendingSpans = 2
        var c = TraceAssembler(limits: limits)
        let other = "1bf7651916cd43dd8448eb211c80319c"
        _ = c.add([Spans.span("x1", parent: "gone", .tool, start: 1, end: 2)], now: now)
        _ = c.add([Spans.span("y1", parent: "gone2", .tool, start: 3, end: 4, trace: other)], now: Timestamp(microseconds: now.microseconds + 1))
        let over = c.add([Spans.span("y2", parent: "gone2", .tool, start: 5, end: 6, trace: other)], now: Timestamp(microseconds: now.microseconds + 2))
        // The oldest trace (the first) went out; the second still waits.
        #expect(over.map(\.event.runID).allSatisfy { $0 == run })
        #expect(c.pendingSpans == 2)
    }

    @Test("a span received twice is passed over")
    func duplicates() {
        var a = TraceAssembler()
        let s = Spans.span("a1", parent: nil, .agent, start: 0, end: 1)
        #expect(a.add([s], now: now).count == 2)
        #expect(a.add([s], now: now).isEmpty)
        #expect(a.duplicates == 1)
    }

    @Test("hostile chains: a span its own parent, a two-span cycle of agents, a 100,000-deep chain — no loop, no stack overflow, no run its own ancestor")
    func hostileChains() {
        var a = TraceAssembler()
        let own = a.add([Spans.span("s1", parent: "s1", .tool, start: 1, end: 2)], now: now).map(line)
        #expect(own == ["start trace-\(Spans.trace) parent=- @1", "tool tool-s1 in trace-\(Spans.trace) @1", "tool-end tool-s1 in trace-\(Spans.trace) @2"])

        var b = TraceAssembler()
        let cycle = b.add([
            Spans.span("a1", parent: "a2", .agent, start: 1, end: 9), Spans.span("a2", parent: "a1", .agent, start: 2, end: 8),
        ], now: now)
        let parents = Dictionary(cycle.compactMap { o -> (String, String?)? in
            if case .runStart = o.event.payload { (o.event.runID, o.event.parentRunID) } else { nil }
        }) { x, _ in x }
        #expect(parents.count == 2)
        // One of them is the top; the other hangs under it, never both under each other.
        #expect(parents.values.filter { $0 == nil }.count == 1)

        var c = TraceAssembler()
        let depth = 100_000
        var spans = (1..<depth).map { i in Spans.span("d\(i)", parent: "d\(i - 1)", .other, start: Int64(i), end: Int64(i + 1)) }
        spans.append(Spans.span("leaf", parent: "d\(depth - 1)", .tool, start: 5, end: 6))
        #expect(c.add(spans, now: now).isEmpty)
        let out = c.add([Spans.span("d0", parent: nil, .agent, start: 0, end: 200_000)], now: now)
        #expect(out.map(line).contains("tool tool-leaf in d0 @5"))
        #expect(c.pendingSpans == 0)
    }

    @Test("over the pending bound, the oldest traces go first, as many as needed, in one pass")
    func pendingBound() {
        var limits = TraceAssembler.Limits()
        limits.maxPendingSpans = 200
        var a = TraceAssembler(limits: limits)
        var sent = 0
        for t in 0..<600 {
            let trace = String(format: "%032x", t + 1)
            let at = Timestamp(microseconds: now.microseconds + Int64(t))
            sent += a.add([Spans.span("x\(t)", parent: "missing", .tool, start: 1, end: 2, trace: trace)], now: at).count
            #expect(a.pendingSpans <= 200)
        }
        // 400 traces given up on, each a trace run's start and end and a tool's start and end.
        #expect(sent == 400 * 4)
        #expect(a.pendingTraces.first?.traceID == String(format: "%032x", 401))
    }

    @Test("a span whose parent is remote (SPAN_FLAGS_CONTEXT_IS_REMOTE) does not wait for it; span ids are told apart by trace")
    func remoteParentsAndTraces() {
        var a = TraceAssembler()
        var agent = Spans.span("a1", parent: "upstream", .agent, start: 0, end: 5)
        agent.parentIsRemote = true
        #expect(a.add([agent], now: now).map(line) == ["start a1 parent=- @0", "end a1 ok @5"])
        // The same span id as a1 in another trace is not a duplicate, and its children are
        // not a1's.
        let other = "1bf7651916cd43dd8448eb211c80319c"
        let out = a.add([
            Spans.span("t1", parent: "a1", .tool, start: 1, end: 2, trace: other),
            Spans.span("a1", parent: nil, .other, start: 0, end: 3, trace: other),
        ], now: now).map(line)
        #expect(out.contains("tool tool-t1 in trace-\(other) @1"))
        #expect(a.duplicates == 0)
    }
}
