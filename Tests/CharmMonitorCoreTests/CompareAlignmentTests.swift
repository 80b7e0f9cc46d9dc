import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// A tool call for a scripted comparison.
func tool(
    _ name: String, _ input: String, status: ActivityStatus = .ok, duration: Double? = 0.5, output: String? = "ok",
    error: String? = nil
) -> ComparableCall {
    ComparableCall(
        kind: .tool, callID: "\(name)-\(input.hashValue & 0xffff)", runID: "r", name: name, input: input,
        output: output, error: error, status: status, duration: duration)
}

/// A model call for a scripted comparison.
func llmCall(_ model: String, _ input: String = "", in inTokens: Int?, out outTokens: Int?, duration: Double = 1) -> ComparableCall {
    ComparableCall(
        kind: .llm, callID: "llm", runID: "r", name: model, input: input, output: "answer", status: .ok,
        duration: duration, inputTokens: inTokens, outputTokens: outTokens)
}

/// Aligns two scripted runs.
func align(_ left: [ComparableCall], _ right: [ComparableCall]) -> RunAlignment {
    RunAlignment(left: ComparableRun(id: "run-a", calls: left), right: ComparableRun(id: "run-b", calls: right))
}

@Suite("Compare: the alignment of two runs")
struct CompareAlignmentTests {
    let search = tool("web_search", #"{"q": "tokyo"}"#)
    let fetch = tool("fetch", #"{"url": "https://a.example"}"#)
    let answer = llmCall("gpt-4o", "summarise", in: 100, out: 20)

    @Test("identical runs align row by row with no divergence")
    func identical() {
        let a = align([search, fetch, answer], [search, fetch, answer])
        #expect(a.rows.map(\.relation) == [.same, .same, .same])
        #expect(a.rows.map(\.leftIndex) == [0, 1, 2])
        #expect(a.rows.map(\.rightIndex) == [0, 1, 2])
        #expect(a.firstDivergence == nil)
        #expect(a.rows.allSatisfy { !$0.diverges })
    }

    @Test("a call inserted in the right run stands alone, the rest stay aligned")
    func inserted() {
        let extra = tool("calculator", "2 + 2")
        let a = align([search, fetch, answer], [search, extra, fetch, answer])
        #expect(a.rows.map(\.relation) == [.same, .onlyRight, .same, .same])
        #expect(a.rows[1].left == nil)
        #expect(a.rows[1].right?.name == "calculator")
        #expect(a.rows[2].leftIndex == 1 && a.rows[2].rightIndex == 2)
        #expect(a.firstDivergence == 1)
        #expect(a.firstDivergenceReason == "only in the right run")
    }

    @Test("a call the right run left out stands alone on the left")
    func removed() {
        let a = align([search, fetch, answer], [search, answer])
        #expect(a.rows.map(\.relation) == [.same, .onlyLeft, .same])
        #expect(a.rows[1].left?.name == "fetch")
        #expect(a.rows[1].right == nil)
        #expect(a.firstDivergence == 1)
    }

    @Test("the same tool with another input is one changed pair, side by side")
    func changedInput() {
        let other = tool("web_search", #"{"q": "kyoto"}"#)
        let a = align([search, fetch], [other, fetch])
        #expect(a.rows.map(\.relation) == [.changed, .same])
        #expect(a.rows[0].left?.input == #"{"q": "tokyo"}"#)
        #expect(a.rows[0].right?.input == #"{"q": "kyoto"}"#)
        #expect(a.firstDivergence == 0)
        #expect(a.firstDivergenceReason == "input changed")
    }

    @Test("JSON inputs that differ only in spacing are the same step")
    func jsonSpacing() {
        let a = align([tool("web_search", #"{"q": "tokyo", "k": 5}"#)], [tool("web_search", #"{"q":"tokyo","k":5}"#)])
        #expect(a.rows.map(\.relation) == [.same])
        #expect(a.firstDivergence == nil)
    }

    @Test("a retry loop against a single call: one pair, the retries only on the left, diverging at once")
    func retryLoop() {
        let failed = tool("web_search", #"{"q": "tokyo"}"#, status: .error, output: nil, error: "Timeout: no answer")
        let a = align([failed, failed, search, answer], [search, answer])
        #expect(a.rows.count == 4)
        #expect(a.count(.same) == 2)
        #expect(a.count(.onlyLeft) == 2)
        #expect(a.count(.onlyRight) == 0 && a.count(.changed) == 0)
        #expect(a.rows.last?.relation == .same && a.rows.last?.left?.kind == .llm)
        // Whichever attempt the diff pairs, the runs part ways at the first call.
        #expect(a.firstDivergence == 0)
    }

    @Test("statuses, durations and tokens of aligned pairs, and their differences")
    func measures() {
        let slowAnswer = llmCall("gpt-4o", "summarise", in: 150, out: 30, duration: 2.5)
        let failedFetch = tool("fetch", #"{"url": "https://a.example"}"#, status: .error, duration: 0.2, output: nil, error: "HTTPError: 503")
        let a = align([answer, fetch], [slowAnswer, failedFetch])
        #expect(a.rows.map(\.relation) == [.same, .same])
        #expect(a.rows[0].tokensDelta == 60)
        #expect(a.rows[0].durationDelta == 1.5)
        #expect(!a.rows[0].statusDiffers && !a.rows[0].diverges)
        #expect(a.rows[1].statusDiffers)
        #expect(a.rows[1].outputDiffers)
        #expect(a.rows[1].durationDelta.map { abs($0 + 0.3) < 1e-9 } == true)
        #expect(a.rows[1].tokensDelta == nil)
        #expect(a.firstDivergence == 1)
        #expect(a.firstDivergenceReason == "status ok → error")
    }

    @Test("a removed call, an unrelated insertion and a changed pair keep both runs' order")
    func pairingKeepsOrder() {
        let left = [tool("a", "1"), tool("b", "x")]
        let right = [tool("c", "1"), tool("b", "y")]
        let a = align(left, right)
        #expect(a.rows.map(\.relation) == [.onlyLeft, .onlyRight, .changed])
        #expect(a.rows.map(\.name) == ["a", "c", "b"])
        #expect(a.firstDivergence == 0)
    }

    @Test("a tool and a model of one name are never paired")
    func kindsApart() {
        let a = align([tool("gpt-4o", "hi")], [llmCall("gpt-4o", "hello", in: 1, out: 1)])
        #expect(a.rows.map(\.relation) == [.onlyLeft, .onlyRight])
    }

    @Test("runs too long to diff between their common start and end are paired by name, in order, and return")
    func longRuns() {
        // 2,500 calls a side differing in every input but one in a hundred: beyond
        // DiffHunk.maxDiffedElements, so the middle is one change that the pairing lines up.
        let shared = (0..<10).map { tool("setup", "\($0)") }
        func calls(_ prefix: String) -> [ComparableCall] {
            shared + (0..<2_500).map { i in tool("t\(i % 5)", i % 100 == 0 ? "common \(i)" : "\(prefix) \(i)") } + shared
        }
        let a = align(calls("a"), calls("b"))
        #expect(a.rows.count == 2_520)
        #expect(a.rows.prefix(10).allSatisfy { $0.relation == .same })
        #expect(a.rows.suffix(10).allSatisfy { $0.relation == .same })
        let middle = a.rows[10..<2_510]
        #expect(middle.allSatisfy { $0.leftIndex == $0.rightIndex })
        #expect(middle.filter { $0.relation == .same }.count == 25)
        #expect(middle.filter { $0.relation == .changed }.count == 2_475)
        #expect(a.firstDivergence == 11)
    }

    @Test("empty runs, and one empty side")
    func empty() {
        #expect(align([], []).rows.isEmpty)
        #expect(align([], []).firstDivergence == nil)
        let a = align([], [search])
        #expect(a.rows.map(\.relation) == [.onlyRight])
        #expect(a.firstDivergence == 0)
    }

    @Test("a run from the model: its tool calls and its sub-runs' in start order, with statuses and durations")
    func fromModel() throws {
        var s = WireScript()
        s.runStart("session")
        s.toolStart("session", call: "c1", tool: "web_search", input: #"{"q": "tokyo"}"#)
        s.toolEnd("session", call: "c1", tool: "web_search", output: "sunny")
        s.runStart("session.planner", parent: "session")
        s.toolStart("session.planner", call: "c2", tool: "calculator", input: "1 / 0")
        s.toolError("session.planner", call: "c2", tool: "calculator", type: "ZeroDivisionError", message: "division by zero")
        let model = s.model()
        let run = try #require(model.run("session"))
        let comparable = ComparableRun(run: run, model: model)
        #expect(comparable.id == "session")
        #expect(comparable.origin == "demo")
        #expect(comparable.calls.map(\.name) == ["web_search", "calculator"])
        #expect(comparable.calls.map(\.runID) == ["session", "session.planner"])
        #expect(comparable.calls[0].duration.map { abs($0 - 0.3) < 1e-6 } == true)
        #expect(comparable.calls[0].output == "sunny")
        #expect(comparable.calls[1].status == .error)
        #expect(comparable.calls[1].error == "ZeroDivisionError: division by zero")
    }

    @Test("model calls from the model: the model's name, messages as input, tokens, and tool calls beside them in start order")
    func llmFromModel() throws {
        func session(_ run: String, prompt: String, outTokens: Int) -> MonitorModel {
            var script = Script()
            var model = MonitorModel()
            let start = script.event(.runStart(inputs: [:]), run: run)
            let callStart = Timestamp(microseconds: start.timestamp.microseconds + 500)
            model.apply([
                start,
                script.event(
                    .llmCall(LLMCall(model: "gpt-4o", inputTokens: 120, outputTokens: outTokens, start: callStart,
                                     inputMessages: prompt, outputMessages: "call search")), run: run, call: "llm-1"),
                script.event(.toolStart(toolName: "search", input: "tokyo"), run: run, call: "t1"),
                script.event(.toolEnd(toolName: "search", output: "sunny"), run: run, call: "t1"),
            ])
            return model
        }
        let a = session("run-a", prompt: "weather in tokyo?", outTokens: 10)
        let b = session("run-b", prompt: "weather in kyoto?", outTokens: 25)
        let left = ComparableRun(run: try #require(a.run("run-a")), model: a)
        let right = ComparableRun(run: try #require(b.run("run-b")), model: b)
        #expect(left.calls.map(\.kind) == [.llm, .tool])
        #expect(left.calls[0].name == "gpt-4o" && left.calls[0].input == "weather in tokyo?" && left.calls[0].tokens == 130)
        let alignment = RunAlignment(left: left, right: right)
        #expect(alignment.rows.map(\.relation) == [.changed, .same])
        #expect(alignment.rows[0].tokensDelta == 15)
        #expect(alignment.firstDivergence == 0)
    }

    @Test("the plain report names both runs, marks the first divergence and shows the differences")
    func plainReport() {
        let failedFetch = tool("fetch", #"{"url": "https://a.example"}"#, status: .error, duration: 0.2, output: nil, error: "HTTPError: 503")
        let text = align([search, fetch], [search, failedFetch]).plainText(width: 140)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("left : run-a"))
        #expect(lines[1].hasPrefix("right: run-b"))
        #expect(lines[2] == "first divergence: row 2: fetch: status ok → error")
        let row2 = lines.first { $0.hasPrefix(">") }
        #expect(row2?.contains("! ✓ fetch") == true)
        #expect(row2?.contains("✗ fetch") == true)
        #expect(row2?.hasSuffix("-300ms") == true)
        #expect(lines.contains { $0.hasPrefix("  1 = ✓ web_search") })
    }

    @Test("the JSON report has every row and the first divergence")
    func jsonReport() throws {
        let other = tool("web_search", #"{"q": "kyoto"}"#)
        let json = align([search, fetch], [other, fetch, answer]).json
        guard case .object(let o) = json else { Issue.record("not an object"); return }
        guard case .object(let first)? = o["first_divergence"] else { Issue.record("no first_divergence"); return }
        #expect(first["row"] == .int(0))
        #expect(first["reason"] == .string("input changed"))
        guard case .array(let rows)? = o["rows"] else { Issue.record("no rows"); return }
        #expect(rows.count == 3)
        guard case .object(let row0) = rows[0], case .object(let right0)? = row0["right"] else { Issue.record("row 0"); return }
        #expect(row0["relation"] == .string("changed_input"))
        #expect(right0["input"] == .string(#"{"q": "kyoto"}"#))
        guard case .object(let row2) = rows[2] else { Issue.record("row 2"); return }
        #expect(row2["relation"] == .string("only_right"))
        #expect(row2["left"] == .null)
    }

    @Test("a long input that does not fit shows where it differs from its pair, never cuts a shared one's start")
    func preview() {
        let tokyo = #"{"url": "https://weather.example/tokyo"}"#
        let kyoto = #"{"url": "https://weather.example/kyoto"}"#
        #expect(RunAlignment.preview(tokyo, against: kyoto, room: 20) == #"…ample/tokyo"}"#)
        #expect(RunAlignment.preview(tokyo, against: tokyo, room: 20) == tokyo)
        #expect(RunAlignment.preview(tokyo, against: nil, room: 20) == tokyo)
        #expect(RunAlignment.preview(tokyo, against: kyoto, room: 80) == tokyo)
    }

    @Test("the line diff of pretty-printed JSON shows the changed member as - and +")
    func lineDiff() {
        let diff = LineDiff.lines(old: #"{"q": "tokyo", "k": 5}"#, new: #"{"q":"kyoto","k":5}"#)
        #expect(diff.map(\.plain) == ["  {", #"-   "q": "tokyo","#, #"+   "q": "kyoto","#, #"    "k": 5"#, "  }"])
        let text = LineDiff.lines(old: "one\ntwo\nthree", new: "one\nthree\nfour")
        #expect(text.map(\.plain) == ["  one", "- two", "  three", "+ four"])
    }
}
