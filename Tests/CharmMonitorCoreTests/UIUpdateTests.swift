import CharmTelemetry
import Testing

@testable import CharmMonitorCore

@Suite("UI update")
struct UIUpdateTests {
    let script = sampleScript()
    var model: MonitorModel { script.model() }

    @Test("j/k and arrows move the run selection; g/G go to the ends")
    func runSelection() {
        let rows = UIRows.runs(model, filter: "").map(\.run.id)
        #expect(rows == ["run-main", "run-child", "run-other"])
        var (state, _) = press([.char("g")], UIState(), model: model, now: script.end)
        #expect(state.selectedRunID == "run-main")
        (state, _) = press([.char("j"), .down], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-other")
        (state, _) = press([.char("k")], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-child")
        (state, _) = press([.char("G")], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-other")
        (state, _) = press([.pageUp], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-main")
    }

    @Test("with nothing picked, the newest top-level run is selected, not a newer sub-run")
    func followsNewest() {
        #expect(UIRows.selectedRun(model, state: UIState())?.id == "run-other")
        var s = WireScript()
        s.runStart("session")
        s.runStart("session.planner", parent: "session")
        #expect(UIRows.selectedRun(s.model(), state: UIState())?.id == "session")
        s.runStart("later")
        #expect(UIRows.selectedRun(s.model(), state: UIState())?.id == "later")
    }

    @Test("Tab and Shift-Tab cycle the panes on screen")
    func focusCycle() {
        var (state, _) = press([.tab], UIState(), model: model, now: script.end)
        #expect(state.focus == .tools)
        (state, _) = press([.tab, .tab], state, model: model, now: script.end)
        #expect(state.focus == .errors)
        (state, _) = press([.tab], state, model: model, now: script.end)
        #expect(state.focus == .runs)
        (state, _) = press([.backTab], state, model: model, now: script.end)
        #expect(state.focus == .errors)
    }

    @Test("Enter walks run → calls → detail, Esc walks back")
    func enterAndEscape() {
        var state = UIState()
        state.selectedRunID = "run-main"
        (state, _) = press([.enter], state, model: model, now: script.end)
        #expect(state.focus == .tools)
        // The timeline holds run-main's calls and its child's, by start: web_search,
        // calculator (run-child), read_file — the third has a long output to scroll through.
        (state, _) = press([.char("g"), .char("j"), .char("j"), .enter], state, model: model, now: script.end)
        #expect(state.detailOpen && state.focus == .detail && state.selectedToolIndex == 2)
        (state, _) = press([.char("j"), .char("j")], state, model: model, now: script.end)
        #expect(state.detailScroll == 2)
        // G goes to the end and k moves at once: the offset is clamped to the content.
        (state, _) = press([.char("G")], state, model: model, now: script.end)
        let bottom = state.detailScroll
        #expect(bottom > 2 && bottom < 1_000)
        (state, _) = press([.char("k")], state, model: model, now: script.end)
        #expect(state.detailScroll == bottom - 1)
        (state, _) = press([.escape], state, model: model, now: script.end)
        #expect(!state.detailOpen && state.focus == .tools)
    }

    @Test("the timeline holds a run's own calls and its sub-runs', by start, each labelled with its run")
    func timelineIncludesSubRuns() {
        let main = model.run("run-main")
        let timeline = UIRows.timeline(model, main)
        #expect(timeline.map(\.callID) == ["c1", "c2", "c3"])
        #expect(timeline.map { $0.label(under: "run-main") } == [nil, "run-child", nil])
        #expect(UIRows.timeline(model, model.run("run-child")).map(\.callID) == ["c2"])
        #expect(TimelineCall(runID: "s.planner", call: timeline[0].tool!).label(under: "s") == "planner")

        var selected = UIState()
        selected.selectedRunID = "run-main"
        let screen = render(model, selected, width: 120, height: 36, now: script.end).text
        #expect(screen.contains("‹run-child› 1 / 0"))
        #expect(screen.contains("+ 1 in sub-runs"))

        // An error of the child's call jumps to the child, with that call selected.
        var state = UIState()
        state.focus = .errors
        let errors = UIRows.errors(model, filter: "")
        state.selectedErrorIndex = errors.firstIndex { $0.callID == "c2" }
        (state, _) = press([.enter], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-child" && state.selectedToolIndex == 0 && state.focus == .tools)
    }

    @Test("a pasted 16k-character filter is cut to its bound, and the footer shows its end")
    func pastedFilterIsBounded() {
        let pasted = String(repeating: "abcdefgh", count: 2_000) + "THE-END"
        let (state, _) = press([.char("/")] + typing(pasted), UIState(), model: model, now: script.end)
        #expect(state.filterDraft.utf8.count == UIState.maxFilterBytes)
        #expect(pasted.hasPrefix(state.filterDraft))
        var long = state
        long.filterDraft = pasted  // as if the bound were larger: the footer still shows the end
        let footer = render(model, long, width: 80, height: 24, now: script.end).lines()[23]
        #expect(footer.contains("THE-END▏"), "\(footer)")
        #expect(DisplayWidth.suffix("ab世界", fitting: 4) == "世界")
        #expect(DisplayWidth.suffix("ab世界", fitting: 3) == "界")
        #expect(DisplayWidth.suffix("abc", fitting: 0).isEmpty)
    }

    @Test("/ edits a filter: typing, backspace, Enter applies, Esc cancels")
    func filterEditing() {
        var (state, _) = press([.char("/")] + typing("chx") + [.backspace, .char("i")], UIState(), model: model, now: script.end)
        #expect(state.filterEditing && state.filterDraft == "chi")
        #expect(state.filter.isEmpty)
        // Keys that are commands elsewhere are text while editing.
        (state, _) = press(typing("q"), state, model: model, now: script.end)
        #expect(!state.quit && state.filterDraft == "chiq")
        (state, _) = press([.backspace, .enter], state, model: model, now: script.end)
        #expect(state.filter == "chi" && !state.filterEditing)
        #expect(UIRows.runs(model, filter: state.filter).map(\.run.id) == ["run-child"])
        (state, _) = press([.char("/")] + typing("zzz") + [.escape], state, model: model, now: script.end)
        #expect(state.filter == "chi")
        (state, _) = press([.escape], state, model: model, now: script.end)
        #expect(state.filter.isEmpty)
    }

    @Test("the filter matches tool names and text too")
    func filterMatches() {
        #expect(UIRows.runs(model, filter: "SQL_query").map(\.run.id) == ["run-other"])
        #expect(UIRows.runs(model, filter: "世界").map(\.run.id) == ["run-main"])
    }

    @Test("q quits with 0; a signal quits with 128 + its number")
    func quitting() {
        let (state, effects) = press([.char("q")], UIState(), model: model, now: script.end)
        #expect(state.quit && effects == [.quit(status: 0)])
        let context = UIContext(model: model, width: 80, height: 24, now: script.end)
        let (_, signalled) = UIUpdate.update(UIState(), .input(.interrupt(signal: 15)), context: context)
        #expect(signalled == [.quit(status: 143)])
    }

    @Test("? opens help, any key closes it")
    func helpOverlay() {
        var (state, _) = press([.char("?")], UIState(), model: model, now: script.end)
        #expect(state.helpVisible)
        (state, _) = press([.char("j")], state, model: model, now: script.end)
        #expect(!state.helpVisible && state.selectedRunID == nil)
    }

    @Test("p freezes the live model and p again resumes")
    func pause() {
        var (state, _) = press([.char("p")], UIState(), model: model, now: script.end)
        #expect(state.paused?.eventsAtPause == model.counters.events)
        (state, _) = press([.char("p")], state, model: model, now: script.end)
        #expect(state.paused == nil)
    }

    @Test("e shows the exporters panel; Space asks to toggle the selected exporter")
    func exporterToggle() {
        let rows = [ExporterRow(name: "jsonl", enabled: false), ExporterRow(name: "otlp", enabled: true)]
        var (state, _) = press([.char("e")], UIState(), model: model, now: script.end, exporters: rows)
        #expect(state.exportersVisible && state.focus == .exporters)
        var effects: [UIEffect]
        (state, effects) = press([.char(" ")], state, model: model, now: script.end, exporters: rows)
        #expect(effects == [.setExporter(name: "jsonl", enabled: true)])
        (state, effects) = press([.char("j"), .char(" ")], state, model: model, now: script.end, exporters: rows)
        #expect(effects == [.setExporter(name: "otlp", enabled: false)])
        (state, _) = press([.char("e")], state, model: model, now: script.end, exporters: rows)
        #expect(!state.exportersVisible && state.focus == .runs)
    }

    @Test("t cycles the themes; f toggles follow; l toggles the log")
    func toggles() {
        var state = UIState()
        state.themeCount = 5
        var effects: [UIEffect]
        (state, effects) = press([.char("t")], state, model: model, now: script.end)
        #expect(effects == [.setTheme(index: 1)])
        (state, _) = press(Array(repeating: .char("t"), count: 4), state, model: model, now: script.end)
        #expect(state.themeIndex == 0)
        (state, _) = press([.char("f")], state, model: model, now: script.end)
        #expect(!state.followTokens)
        (state, _) = press([.char("l")], state, model: model, now: script.end)
        #expect(state.showLog && state.focusCycle.contains(.log))
    }

    @Test("g on an error jumps to its run and call")
    func jumpToError() {
        var state = UIState()
        state.focus = .errors
        // Errors oldest first: the tool error, then the malformed line; select the tool error.
        let errors = UIRows.errors(model, filter: "")
        state.selectedErrorIndex = errors.firstIndex { $0.kind == .tool }
        (state, _) = press([.char("g")], state, model: model, now: script.end)
        #expect(state.selectedRunID == "run-child")
        #expect(state.selectedToolIndex == 0)
        #expect(state.focus == .tools)
    }

    @Test("a click selects the pane and the row under it; the wheel scrolls")
    func mouse() {
        let layout = UILayout(width: 80, height: 24, state: UIState())
        let runs = layout.inner(.runs)
        let context = UIContext(model: model, width: 80, height: 24, now: script.end)
        // Row 0 is the heading; row 2 is the second run.
        var (state, _) = UIUpdate.update(UIState(), .input(.mouse(x: runs.x + 3, y: runs.y + 2, kind: .press)), context: context)
        #expect(state.focus == .runs && state.selectedRunID == "run-child")
        let errors = layout.inner(.errors)
        (state, _) = UIUpdate.update(state, .input(.mouse(x: errors.x + 1, y: errors.y, kind: .press)), context: context)
        #expect(state.focus == .errors && state.selectedErrorIndex == 0)
        (state, _) = UIUpdate.update(state, .input(.mouse(x: runs.x + 1, y: runs.y + 1, kind: .wheelDown)), context: context)
        #expect(state.selectedRunID == "run-other")
    }

    @Test("scrolling the token stream leaves follow mode; f returns to the end")
    func tokenScroll() {
        var state = UIState()
        state.focus = .tokens
        state.selectedRunID = "run-main"
        (state, _) = press([.char("k"), .char("k")], state, model: model, now: script.end)
        #expect(state.tokenScrollFromBottom == 2 && !state.followTokens)
        (state, _) = press([.char("f")], state, model: model, now: script.end)
        #expect(state.tokenScrollFromBottom == 0 && state.followTokens)
    }

    @Test("ticks sample the selected run's token rate once a second")
    func tokenRate() {
        var state = UIState()
        state.selectedRunID = "run-main"
        var context = UIContext(model: model, width: 80, height: 24, now: script.end)
        (state, _) = UIUpdate.update(state, .tick(script.end), context: context)
        var more = script
        for _ in 0..<10 { more.token("run-main", "a") }
        context.model = more.model()
        let later = Timestamp(microseconds: script.end.microseconds + 2_000_000)
        (state, _) = UIUpdate.update(state, .tick(later), context: context)
        #expect(state.tokenRateSamples == [5])
    }

    @Test("exporter rows merge the manager's statistics with every registered name")
    func exporterRows() {
        let registry = ExporterRegistry()
        for name in ["jsonl", "datadog"] {
            registry.register(ExporterDescriptor(
                name: name, summary: "", requiredEnvironment: name == "datadog" ? [["DATADOG_API_KEY", "DD_API_KEY"]] : [],
                factory: { _ in throw ExporterSetupError.invalid(name: name, reason: "test") }))
        }
        let rows = ExporterRow.rows(
            statistics: [ExporterStatistics(name: "jsonl", enabled: true, delivered: 7)], registry: registry, environment: [:])
        #expect(rows.map(\.name) == ["jsonl", "datadog"])
        #expect(rows[0].enabled && rows[0].delivered == 7)
        #expect(!rows[1].enabled && rows[1].missingVariable == "DATADOG_API_KEY")
    }
}
