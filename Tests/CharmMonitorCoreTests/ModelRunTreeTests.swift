import CharmTelemetry
import CharmWire
import Testing

@testable import CharmMonitorCore

@Suite("Model: runs, nesting, interleaving")
struct ModelRunTreeTests {
    @Test("nested runs form a tree; status and counts per run")
    func nesting() {
        var s = Script()
        var m = MonitorModel()
        m.apply([
            s.event(.runStart(inputs: ["q": "hi"]), run: "root"),
            s.event(.runStart(inputs: [:]), run: "child", parent: "root"),
            s.event(.llmNewToken(token: "Hel"), run: "child"),
            s.event(.llmNewToken(token: "lo"), run: "child"),
            s.event(.runEnd(outputs: [:], status: .ok), run: "child"),
            s.event(.error(TelemetryError(type: "ValueError", message: "bad")), run: "root"),
            s.event(.runEnd(outputs: [:], status: .error), run: "root"),
        ])
        #expect(m.rootRuns.map(\.id) == ["root"])
        #expect(m.children(of: "root").map(\.id) == ["child"])
        let child = m.run("child")!
        #expect(child.status == .ok)
        #expect(child.tokenCount == 2)
        #expect(child.text == "Hello")
        #expect(child.parentID == "root")
        let root = m.run("root")!
        #expect(root.status == .error)
        #expect(root.errorCount == 1)
        #expect(m.errors.count == 1)
        #expect(m.errors[0].runID == "root")
        #expect(m.counters.events == 7)
    }

    @Test("concurrent runs interleaved line by line keep their own tool calls and text")
    func interleaved() {
        var s = Script()
        var m = MonitorModel()
        var events: [TelemetryEvent] = []
        for r in ["a", "b"] { events.append(s.event(.runStart(inputs: [:]), run: r)) }
        for i in 0..<50 {
            for r in ["a", "b"] {
                events.append(s.event(.toolStart(toolName: "t\(r)", input: "\(i)"), run: r, call: "\(r)-\(i)"))
                events.append(s.event(.llmNewToken(token: r), run: r))
            }
            for r in ["b", "a"] {
                events.append(s.event(.toolEnd(toolName: "t\(r)", output: "o"), run: r, call: "\(r)-\(i)"))
            }
        }
        for r in ["b", "a"] { events.append(s.event(.runEnd(outputs: [:], status: nil), run: r)) }
        m.apply(events)
        for r in ["a", "b"] {
            let run = m.run(r)!
            #expect(run.toolCalls.count == 50)
            #expect(run.toolCalls.map(\.callID) == (0..<50).map { "\(r)-\($0)" })
            #expect(run.toolCalls.allSatisfy { $0.status == .ok && $0.toolName == "t\(r)" })
            #expect(run.text == String(repeating: r, count: 50))
            #expect(run.status == .ok)
        }
        #expect(m.orderedRuns.map(\.id) == ["a", "b"])
    }

    @Test("a tool call that never ends stays running, and so does its run")
    func neverEnding() {
        var s = Script()
        var m = MonitorModel()
        m.apply([
            s.event(.runStart(inputs: [:]), run: "r"),
            s.event(.toolStart(toolName: "search", input: "q"), run: "r", call: "c1"),
            s.event(.toolStart(toolName: "fetch", input: "u"), run: "r", call: "c2"),
            s.event(.toolError(toolName: "fetch", error: TelemetryError(message: "timeout")), run: "r", call: "c2"),
        ])
        let r = m.run("r")!
        #expect(r.status == .running)
        #expect(r.toolCalls.map(\.status) == [.running, .error])
        #expect(r.toolCalls[0].duration == nil)
        #expect(r.toolCalls[1].duration != nil)
        #expect(r.errorCount == 0)
        #expect(m.errors.map(\.kind) == [.tool])
        #expect(m.errors[0].callID == "c2")
    }

    @Test("a run whose parent arrives later is re-parented when it does")
    func lateParent() {
        var s = Script()
        var m = MonitorModel()
        m.apply([
            s.event(.runStart(inputs: [:]), run: "kid", parent: "mom"),
            s.event(.llmNewToken(token: "x"), run: "kid"),
        ])
        #expect(m.rootRuns.map(\.id) == ["kid"])
        m.apply([s.event(.runStart(inputs: [:]), run: "mom")])
        #expect(m.rootRuns.map(\.id) == ["mom"])
        #expect(m.children(of: "mom").map(\.id) == ["kid"])
        // Events before its run_start also create the run; run_start then sets its parent.
        m.apply([
            s.event(.llmNewToken(token: "y"), run: "late"),
            s.event(.runStart(inputs: [:]), run: "late", parent: "mom"),
        ])
        #expect(m.children(of: "mom").map(\.id) == ["kid", "late"])
        #expect(m.run("late")!.tokenCount == 1)
    }

    @Test("tool ends without call ids match the oldest running call of that tool")
    func anonymousCalls() {
        var s = Script()
        var m = MonitorModel()
        m.apply([
            s.event(.toolStart(toolName: "a", input: "1"), run: "r"),
            s.event(.toolStart(toolName: "b", input: "2"), run: "r"),
            s.event(.toolEnd(toolName: "b", output: "B"), run: "r"),
            s.event(.toolEnd(toolName: "zzz", output: "A"), run: "r"),
        ])
        let calls = m.run("r")!.toolCalls
        #expect(calls.map(\.output) == ["A", "B"])
        #expect(calls.map(\.callID) == ["call-1", "call-2"])
    }

    @Test("malformed, raw, status and source failures land in errors and the log")
    func recordsOfEveryKind() {
        var m = MonitorModel()
        let at = Timestamp(microseconds: 1)
        for r in StreamDecoder.decodeAll(
            "hello\n{\"type\":\"status\",\"content\":\"booting\"}\n__CHARM_EVENT__{oops\n{\"type\":\"mystery\"}\n")
        {
            m.apply(r, source: "s1", at: at)
        }
        m.setSourceState("s1", .failed, error: "gone", at: at)
        #expect(m.counters.events == 2)
        #expect(m.counters.malformed == 1)
        #expect(m.counters.rawLines == 1)
        #expect(m.log.map(\.kind) == [.raw, .status])
        #expect(m.errors.map(\.kind) == [.malformed, .source])
        #expect(m.sources["s1"]?.state == .failed)
        #expect(m.sources["s1"]?.records == 4)
    }

    @Test("legacy streams arrive as rebuilt hook events and fill the legacy run")
    func legacy() {
        var m = MonitorModel()
        let text = """
            __CHARM_EVENT__{"type": "thinking", "content": "Using Tool: calc\\nInput: 1+1\\n"}
            __CHARM_EVENT__{"type": "thinking", "content": "Tool Output: 2...\\n"}
            __CHARM_EVENT__{"type": "delta", "content": "two"}
            __CHARM_EVENT__{"type": "final", "content": "two", "format": "auto"}

            """
        for r in StreamDecoder.decodeAll(text, sourceName: "stdin") { m.apply(r, source: "stdin", at: .now()) }
        let run = m.run("legacy:stdin")!
        #expect(run.status == .ok)
        #expect(run.text == "two")
        #expect(run.toolCalls.map(\.toolName) == ["calc"])
        #expect(run.toolCalls[0].status == .ok)
    }
}
