import CharmTelemetry
import CharmWire
import Testing

@testable import CharmMonitorCore

/// `y` and `Y`: what the focus copies, as an effect the front end writes as OSC 52, and what
/// the footer says.
@Suite("Yank")
struct YankTests {
    let model = RunExportTests.session()
    let now = Timestamp(microseconds: 1_700_000_100_000_000)

    func copied(_ effects: [UIEffect]) -> String? {
        for case .copyToClipboard(let text) in effects { return text }
        return nil
    }

    func state(_ focus: UIPane, run: String = "session") -> UIState {
        var s = UIState()
        s.selectedRunID = run
        s.focus = focus
        return s
    }

    @Test("in the runs pane, y copies the selected run as JSON; the footer says what and how many bytes")
    func run() throws {
        let (after, effects) = press([.char("y")], state(.runs), model: model, width: 120, height: 36, now: now)
        let text = try #require(copied(effects))
        #expect(text == JSONWriter.compact(CopyJSON.run(try #require(model.run("session")), prices: model.prices)))
        let json = try JSONParser.parse(text)
        #expect(json["run_id"] == "session" && json["status"] == "ok" && json["text"] == "It is sunny in 東京 ☀️.")
        #expect(json["tool_calls"]?.arrayValue?.count == 2 && json["llm_calls"]?.arrayValue?.count == 1)
        #expect(json["children"] == ["session.calc"])
        #expect(json["inputs"]?["api_key"] == "[API_KEY_REDACTED]", "a redacted secret stays redacted")
        #expect(after.statusMessage == "copied run session as JSON · \(text.utf8.count) bytes")
    }

    @Test("in the calls pane, y copies the selected call as JSON, a model call included")
    func call() throws {
        // The timeline: web_search, calculator (the sub-run's), the model call, slow_tool.
        var (s, effects) = press([.char("g"), .char("y")], state(.tools), model: model, width: 120, height: 36, now: now)
        var json = try JSONParser.parse(try #require(copied(effects)))
        #expect(json["tool_name"] == "web_search" && json["input"] == #"{"q": "東京 ☀️"}"# && json["output"] == "sunny, 21°C")
        #expect(json["status"] == "ok" && json["run_id"] == "session" && json["duration_ms"] == .double(250))
        (s, effects) = press([.char("j"), .char("y")], s, model: model, width: 120, height: 36, now: now)
        json = try JSONParser.parse(try #require(copied(effects)))
        #expect(json["run_id"] == "session.calc" && json["error"]?["type"] == "ZeroDivisionError" && json["output"] == .null)
        (s, effects) = press([.char("j"), .char("Y")], s, model: model, width: 120, height: 36, now: now)
        json = try JSONParser.parse(try #require(copied(effects)))
        #expect(json["kind"] == "llm" && json["model"] == "gpt-4o" && json["input_tokens"] == 120)
        #expect(s.statusMessage?.hasPrefix("copied model call gpt-4o as JSON · ") == true)
    }

    @Test("in the detail view, y copies the section at the top of the view, Y the whole call")
    func detail() throws {
        var s = state(.tools)
        (s, _) = press([.char("g"), .enter], s, model: model, width: 120, height: 36, now: now)
        #expect(s.focus == .detail)
        var effects: [UIEffect]
        (s, effects) = press([.char("y")], s, model: model, width: 120, height: 36, now: now)
        #expect(copied(effects) == #"{"q": "東京 ☀️"}"#)
        #expect(s.statusMessage == "copied input of call web_search · 22 bytes")
        // The whole call fits, yet the view scrolls on until the output's heading is on top.
        (s, effects) = press([.char("G"), .char("y")], s, model: model, width: 120, height: 36, now: now)
        #expect(copied(effects) == "sunny, 21°C")
        (s, effects) = press([.char("Y")], s, model: model, width: 120, height: 36, now: now)
        #expect(try JSONParser.parse(try #require(copied(effects)))["tool_name"] == "web_search")
        // The box says what y copies.
        let text = render(model, s, width: 120, height: 36, now: now).text
        #expect(text.contains("y: output"))
    }

    @Test("a call still running has no output to copy yet")
    func runningOutput() throws {
        var s = state(.tools)
        (s, _) = press([.char("G"), .enter, .char("G")], s, model: model, width: 120, height: 36, now: now)
        let (after, effects) = press([.char("y")], s, model: model, width: 120, height: 36, now: now)
        #expect(copied(effects) == nil)
        #expect(after.statusMessage == "the output is not there yet")
    }

    @Test("a copy beyond the OSC 52 cap is cut, and the footer says so")
    func capped() throws {
        var s = Script()
        let big = String(repeating: "é", count: 60_000)  // 120,000 bytes, within the model's 1 MiB of text
        var model = MonitorModel()
        model.apply([s.event(.runStart(inputs: [:]), run: "big"), s.event(.llmNewToken(token: big), run: "big")])
        var st = state(.tokens, run: "big")
        st.focus = .tokens
        let (after, effects) = press([.char("y")], st, model: model, width: 120, height: 36, now: now)
        let text = try #require(copied(effects))
        #expect(text.utf8.count == ClipboardSequence.maxTextBytes && big.hasPrefix(text))
        #expect(after.statusMessage == "copied text of run big · first 74000 of 120000 bytes (OSC 52 takes at most 74000)")
    }

    @Test("the errors pane copies the error; the log has nothing to copy")
    func otherPanes() throws {
        var s = state(.errors)
        s.selectedErrorIndex = 0
        var (after, effects) = press([.char("y")], s, model: model, width: 120, height: 36, now: now)
        #expect(try JSONParser.parse(try #require(copied(effects)))["kind"] == "tool")
        s.focus = .log
        s.showLog = true
        (after, effects) = press([.char("y")], s, model: model, width: 120, height: 36, now: now)
        #expect(effects.isEmpty && after.statusMessage?.hasPrefix("nothing to copy here") == true)
    }

    @Test("x hands the selected run and its sub-runs to the front end")
    func export() throws {
        let (_, effects) = press([.char("x")], state(.runs), model: model, width: 120, height: 36, now: now)
        guard case .exportRun(let export)? = effects.first else {
            Issue.record("no export effect: \(effects)")
            return
        }
        #expect(export.runs.map(\.id) == ["session", "session.calc"])
    }
}
