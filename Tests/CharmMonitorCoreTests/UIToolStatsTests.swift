import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// The tools view (`T`) and findings on screen, driven through `update` and drawn as text.
@Suite("UI tools view and findings")
struct UIToolStatsTests {
    /// Three tools: search 3 calls (one failing), fetch 2 slow calls, calc 1; in two runs.
    static func script() -> WireScript {
        var s = WireScript()
        s.runStart("run-a")
        s.toolStart("run-a", call: "a1", tool: "search", input: "alpha")
        s.toolEnd("run-a", call: "a1", tool: "search", output: "r", advanceMs: 100)
        s.toolStart("run-a", call: "a2", tool: "fetch", input: "http://one")
        s.toolEnd("run-a", call: "a2", tool: "fetch", output: "r", advanceMs: 2_000)
        s.toolStart("run-a", call: "a3", tool: "calc", input: "1+1")
        s.toolEnd("run-a", call: "a3", tool: "calc", output: "2", advanceMs: 10)
        s.runStart("run-b")
        s.toolStart("run-b", call: "b1", tool: "search", input: "beta")
        s.toolError("run-b", call: "b1", tool: "search", type: "E", message: "down")
        s.toolStart("run-b", call: "b2", tool: "search", input: "gamma")
        s.toolEnd("run-b", call: "b2", tool: "search", output: "r", advanceMs: 200)
        s.toolStart("run-b", call: "b3", tool: "fetch", input: "http://two")
        s.toolEnd("run-b", call: "b3", tool: "fetch", output: "r", advanceMs: 4_000)
        return s
    }

    let script = UIToolStatsTests.script()
    var model: MonitorModel { script.model() }

    func toolRows(_ lines: [String]) -> [String] {
        lines.compactMap { line in
            ["search", "fetch", "calc"].first { line.contains("│" + $0 + " ") || line.contains("│ " + $0 + " ") }
        }
    }

    @Test("T shows every tool with calls, errors, error %, p50, p95 and max; Esc and T go back")
    func opens() {
        let (state, _) = press([.char("T")], UIState(), model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolsViewOpen)
        #expect(state.focus == .toolStats)
        let lines = render(model, state, width: 100, height: 30, now: script.end).lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("Tools 3"))
        for heading in ["calls▼", "errors", "error %", "p50", "p95", "max"] { #expect(text.contains(heading), "\(heading)") }
        #expect(toolRows(lines) == ["search", "fetch", "calc"], "by calls, most first")
        let search = lines.first { $0.contains("search ") && $0.contains("%") } ?? ""
        #expect(search.contains("3"), "\(search)")
        #expect(search.contains("33%"), "\(search)")
        let fetch = lines.first { $0.contains("fetch ") && $0.contains("%") } ?? ""
        #expect(fetch.contains("4.0s"), "\(fetch)")
        #expect(fetch.contains("0%"), "\(fetch)")
        #expect(!text.contains("Runs "), "the tools view takes the runs pane's place")

        let (back, _) = press([.escape], state, model: model, width: 100, height: 30, now: script.end)
        #expect(!back.toolsViewOpen)
        #expect(back.focus == .runs)
        let (toggled, _) = press([.char("T")], state, model: model, width: 100, height: 30, now: script.end)
        #expect(!toggled.toolsViewOpen)
    }

    @Test("s cycles the sort column, S reverses it")
    func sorting() {
        var (state, _) = press([.char("T"), .char("s")], UIState(), model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolStatsPane.sort == .errors)
        (state, _) = press([.char("s"), .char("s"), .char("s"), .char("s"), .char("s")], state, model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolStatsPane.sort == .tool)
        var lines = render(model, state, width: 100, height: 30, now: script.end).lines()
        #expect(toolRows(lines) == ["calc", "fetch", "search"], "by name, A to Z")
        (state, _) = press([.char("S")], state, model: model, width: 100, height: 30, now: script.end)
        lines = render(model, state, width: 100, height: 30, now: script.end).lines()
        #expect(toolRows(lines) == ["search", "fetch", "calc"], "reversed")
        (state, _) = press([.char("s")], state, model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolStatsPane.sort == .calls)
        state.toolStatsPane.sort = .max
        lines = render(model, state, width: 100, height: 30, now: script.end).lines()
        #expect(toolRows(lines) == ["fetch", "search", "calc"], "longest first")
    }

    @Test("Enter lists the tool's calls, newest first; Enter on one goes to it in its run; Esc back")
    func callList() {
        var (state, _) = press([.char("T"), .enter], UIState(), model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolStatsPane.listing == "search")
        let text = render(model, state, width: 100, height: 30, now: script.end).text
        #expect(text.contains("Calls of search 3"))
        let lines = render(model, state, width: 100, height: 30, now: script.end).lines()
        let order = lines.compactMap { l in ["gamma", "beta", "alpha"].first { l.contains($0) } }
        #expect(order == ["gamma", "beta", "alpha"])
        #expect(lines.contains { $0.contains("run-b") && $0.contains("beta") && $0.contains("✗") })

        (state, _) = press([.char("j"), .enter], state, model: model, width: 100, height: 30, now: script.end)
        #expect(!state.toolsViewOpen)
        #expect(state.selectedRunID == "run-b")
        #expect(state.focus == .tools)
        let calls = UIRows.timeline(model, model.run("run-b"))
        #expect(state.selectedToolIndex.map { calls[$0].callID } == "b1")

        (state, _) = press([.char("T"), .enter, .escape], UIState(), model: model, width: 100, height: 30, now: script.end)
        #expect(state.toolsViewOpen && state.toolStatsPane.listing == nil)
    }

    @Test("y in the tools view copies the selected tool's figures, in its call list the selected call, as JSON")
    func yank() {
        func copied(_ effects: [UIEffect]) -> String? {
            effects.lazy.compactMap { if case .copyToClipboard(let text) = $0 { text } else { nil } }.first
        }
        let (_, tools) = press([.char("T"), .char("y")], UIState(), model: model, width: 100, height: 30, now: script.end)
        let figures = copied(tools) ?? ""
        #expect(figures.contains(#""tool":"search""#) && figures.contains(#""calls":3"#) && figures.contains(#""errors":1"#), "\(figures)")
        let (_, calls) = press([.char("T"), .enter, .char("y")], UIState(), model: model, width: 100, height: 30, now: script.end)
        let call = copied(calls) ?? ""
        #expect(call.contains("gamma") && call.contains("run-b"), "\(call)")
    }

    @Test("a loop finding marks its run ⚑, shows in the errors pane as a finding, and g jumps to its call")
    func findingShown() {
        var s = WireScript()
        s.runStart("quiet")
        s.runStart("looper")
        for i in 0..<3 {
            s.toolStart("looper", call: "l\(i)", tool: "search", input: "same")
            s.toolEnd("looper", call: "l\(i)", tool: "search", output: "r")
        }
        s.runStart("newest")
        let model = s.model()
        let lines = render(model, UIState(), width: 120, height: 30, now: s.end).lines()
        #expect(lines.contains { $0.contains("⚑ looper") })
        #expect(!lines.contains { $0.contains("⚑ quiet") || $0.contains("⚑ newest") })
        #expect(lines.contains { $0.contains("finding") && $0.contains("looper") && $0.contains("loop: search called 3 times") })

        var state = UIState()
        state.focus = .errors
        let (after, _) = press([.char("g")], state, model: model, width: 120, height: 30, now: s.end)
        #expect(after.selectedRunID == "looper")
        #expect(after.focus == .tools)
        let calls = UIRows.timeline(model, model.run("looper"))
        #expect(after.selectedToolIndex.map { calls[$0].callID } == "l2")
    }
}
