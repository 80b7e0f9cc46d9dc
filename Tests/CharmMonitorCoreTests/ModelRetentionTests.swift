import CharmTelemetry
import Testing

@testable import CharmMonitorCore

@Suite("Model: retention limits")
struct ModelRetentionTests {
    @Test("oldest finished runs are evicted first and evictions are counted")
    func runEviction() {
        var s = Script()
        var m = MonitorModel(limits: RetentionLimits(maxRuns: 3))
        m.apply([
            s.event(.runStart(inputs: [:]), run: "live"),
            s.event(.runStart(inputs: [:]), run: "f1"),
            s.event(.runEnd(outputs: [:], status: .ok), run: "f1"),
            s.event(.runStart(inputs: [:]), run: "f2"),
            s.event(.runEnd(outputs: [:], status: .ok), run: "f2"),
            s.event(.runStart(inputs: [:]), run: "new"),
        ])
        #expect(m.orderedRuns.map(\.id) == ["live", "f2", "new"])
        #expect(m.counters.evictedRuns == 1)
        m.apply([s.event(.runStart(inputs: [:]), run: "newer")])
        #expect(m.orderedRuns.map(\.id) == ["live", "new", "newer"])
        // No finished run left: the oldest run goes.
        m.apply([s.event(.runStart(inputs: [:]), run: "newest")])
        #expect(m.orderedRuns.map(\.id) == ["new", "newer", "newest"])
        #expect(m.counters.evictedRuns == 3)
        #expect(m.runs.count == 3)
    }

    @Test("evicting a parent leaves its children as roots")
    func parentEviction() {
        var s = Script()
        var m = MonitorModel(limits: RetentionLimits(maxRuns: 2))
        m.apply([
            s.event(.runStart(inputs: [:]), run: "p"),
            s.event(.runStart(inputs: [:]), run: "c", parent: "p"),
            s.event(.runEnd(outputs: [:], status: .ok), run: "p"),
            s.event(.runStart(inputs: [:]), run: "x"),
        ])
        #expect(m.run("p") == nil)
        #expect(m.rootRuns.map(\.id) == ["c", "x"])
    }

    @Test("tool calls, text, log and errors are bounded")
    func perRunBounds() {
        var s = Script()
        let limits = RetentionLimits(maxToolCallsPerRun: 16, maxTextBytesPerRun: 100, maxLogLines: 5, maxErrors: 4)
        var m = MonitorModel(limits: limits)
        var events: [TelemetryEvent] = []
        for i in 0..<100 {
            events.append(s.event(.toolStart(toolName: "t", input: ""), run: "r", call: "c\(i)"))
            events.append(s.event(.toolEnd(toolName: "t", output: ""), run: "r", call: "c\(i)"))
            events.append(s.event(.llmNewToken(token: "字😀x"), run: "r"))
            events.append(s.event(.error(TelemetryError(message: "e\(i)")), run: "r"))
        }
        m.apply(events)
        for i in 0..<20 { m.apply(.raw("line \(i)"), source: "s", at: .now()) }
        let r = m.run("r")!
        #expect(r.toolCalls.count <= 16)
        #expect(r.toolCallCount == 100)
        #expect(r.toolCalls.last?.callID == "c99")
        #expect(r.toolCall("c99")?.status == .ok)
        #expect(r.toolCall("c0") == nil)
        #expect(r.text.utf8.count <= 125)
        #expect(r.text.hasSuffix("字😀x"))
        #expect(r.tokenCount == 100)
        #expect(m.log.count == 5)
        #expect(m.log.last?.text == "line 19")
        #expect(m.errors.count == 4)
        #expect(m.counters.errors == 100)
        #expect(m.counters.evictedToolCalls == 100 - r.toolCalls.count)
    }

    @Test("headless summary has the documented shape")
    func summary() {
        var s = Script()
        var m = MonitorModel()
        m.apply([
            s.event(.runStart(inputs: [:]), run: "r"),
            s.event(.toolStart(toolName: "calc", input: "1"), run: "r", call: "c"),
            s.event(.toolEnd(toolName: "calc", output: "2"), run: "r", call: "c", advance: 2_500),
            s.event(.llmNewToken(token: "ok"), run: "r"),
        ])
        let json = JSONWriter.compact(m.headlessSummary())
        #expect(
            json
                == #"{"events":4,"malformed":0,"oversized":0,"raw_lines":0,"runs":[{"run_id":"r","parent_run_id":null,"name":null,"source":"test","status":"running","tokens":1,"text":"ok","errors":0,"input_tokens":0,"output_tokens":0,"cost_usd":null,"tool_calls":[{"call_id":"c","tool_name":"calc","status":"ok","duration_ms":2.5}],"llm_calls":[]}],"heartbeats":0,"findings":[]}"#
        )
    }
}
