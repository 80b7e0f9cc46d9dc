import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// Two runs of one agent: yesterday's good one and today's, whose fetch failed and retried.
func compareScript() -> WireScript {
    var s = WireScript()
    s.runStart("run-good")
    s.toolStart("run-good", call: "g1", tool: "web_search", input: #"{"q": "tokyo weather", "top_k": 5}"#)
    s.toolEnd("run-good", call: "g1", tool: "web_search", output: #"{"hits": 5}"#)
    s.toolStart("run-good", call: "g2", tool: "fetch", input: #"{"url": "https://weather.example/tokyo"}"#)
    s.toolEnd("run-good", call: "g2", tool: "fetch", output: "sunny")
    s.toolStart("run-good", call: "g3", tool: "summarise", input: "sunny")
    s.toolEnd("run-good", call: "g3", tool: "summarise", output: "It will be sunny.")
    s.runEnd("run-good")
    s.runStart("run-bad")
    s.toolStart("run-bad", call: "b1", tool: "web_search", input: #"{"q": "tokyo weather", "top_k": 5}"#)
    s.toolEnd("run-bad", call: "b1", tool: "web_search", output: #"{"hits": 5}"#)
    s.toolStart("run-bad", call: "b2", tool: "fetch", input: #"{"url": "https://weather.example/kyoto"}"#)
    s.toolError("run-bad", call: "b2", tool: "fetch", type: "HTTPError", message: "503 Service Unavailable")
    s.toolStart("run-bad", call: "b3", tool: "fetch", input: #"{"url": "https://weather.example/kyoto"}"#)
    s.toolEnd("run-bad", call: "b3", tool: "fetch", output: "rain")
    s.toolStart("run-bad", call: "b4", tool: "summarise", input: "rain")
    s.toolEnd("run-bad", call: "b4", tool: "summarise", output: "It will rain.")
    s.runEnd("run-bad", status: "error")
    return s
}

@Suite("Compare: marking, the compare view and the pair diff")
struct CompareViewTests {
    let script = compareScript()
    var model: MonitorModel { script.model() }

    /// `m` on run-good, then `c` on run-bad.
    func compared(width: Int = 120, height: Int = 36) -> UIState {
        var state = UIState()
        state.selectedRunID = "run-good"
        (state, _) = press([.char("m")], state, model: model, width: width, height: height, now: script.end)
        state.selectedRunID = "run-bad"
        (state, _) = press([.char("c")], state, model: model, width: width, height: height, now: script.end)
        return state
    }

    @Test("m marks the selected run: a copy of its calls, shown in the runs pane; m again clears it")
    func mark() {
        var state = UIState()
        state.selectedRunID = "run-good"
        (state, _) = press([.char("m")], state, model: model, now: script.end)
        #expect(state.markedRun?.id == "run-good")
        #expect(state.markedRun?.calls.map(\.name) == ["web_search", "fetch", "summarise"])
        #expect(state.statusMessage?.contains("marked run-good (3 calls)") == true)
        let lines = render(model, state, width: 120, height: 36, now: script.end).lines()
        #expect(lines.contains { $0.contains("◇ run-good") && $0.contains("Runs") })
        #expect(lines.contains { $0.contains("✓◇run-good") })
        (state, _) = press([.char("m")], state, model: model, now: script.end)
        #expect(state.markedRun == nil)
        #expect(state.statusMessage == "mark cleared")
    }

    @Test("c without a mark says what to do in the footer and opens nothing")
    func compareWithoutMark() {
        let (state, _) = press([.char("c")], UIState(), model: model, now: script.end)
        #expect(!state.compareOpen)
        #expect(state.focus == .runs)
        let footer = render(model, state, width: 120, height: 36, now: script.end).lines().last ?? ""
        #expect(footer.contains("nothing marked: press m on a run"))
    }

    @Test("c opens both runs side by side with the first divergence selected")
    func opens() throws {
        let state = compared()
        #expect(state.compareOpen)
        #expect(state.focus == .compare)
        let alignment = try #require(state.comparison)
        #expect(alignment.left.id == "run-good" && alignment.right.id == "run-bad")
        #expect(alignment.rows.map(\.relation) == [.same, .changed, .onlyRight, .changed])
        #expect(alignment.firstDivergence == 1)
        #expect(state.selectedCompareRow == 1)
        #expect(state.statusMessage == "first divergence at row 2: fetch: input changed, status ok → error")
    }

    @Test("the compare view draws two aligned columns, each pair's measures and the divergence in its role")
    func renders() throws {
        let state = compared()
        let grid = render(model, state, width: 120, height: 36, now: script.end)
        let lines = grid.lines()
        #expect(lines.contains { $0.contains("Compare · ◇ run-good ⇄ run-bad") && $0.contains("first divergence: row 2") })
        #expect(lines.contains { $0.contains("◇ run-good · 3 calls") && $0.contains("run-bad · 4 calls") })
        let search = try #require(lines.first { $0.contains("web_search") })
        #expect(search.components(separatedBy: "web_search").count == 3, "both columns: \(search)")
        #expect(search.contains("300ms"))
        let fetchRow = try #require(lines.firstIndex { $0.contains("~") && $0.contains("fetch") })
        #expect(lines[fetchRow].contains("✓ fetch") && lines[fetchRow].contains("✗ fetch"))
        // Where the inputs differ shows, not the start they share.
        #expect(lines[fetchRow].contains("tokyo") && lines[fetchRow].contains("kyoto"), "\(lines[fetchRow])")
        // The retried fetch only the right run made: an empty left column.
        let retry = try #require(lines.first { $0.hasPrefix("│+") })
        #expect(retry.contains("✓ fetch") && !retry.contains("✗"))
        #expect(retry.distance(from: retry.startIndex, to: retry.range(of: "✓ fetch")!.lowerBound) > 45)
        // The divergence row has the divergence role's background, where the selection
        // does not cover it: move the selection away and look again.
        var moved = state
        (moved, _) = press([.char("g")], moved, model: model, width: 120, height: 36, now: script.end)
        #expect(moved.selectedCompareRow == 0)
        let again = render(model, moved, width: 120, height: 36, now: script.end)
        let divergence = Theme.builtinDefault[.divergence]
        let layout = UILayout(width: 120, height: 36, state: moved)
        let inner = layout.inner(.compare)
        #expect(again[x: inner.x + 30, y: fetchRow].style.bg == divergence.bg)
        #expect(again[x: inner.x + 30, y: fetchRow - 1].style.bg != divergence.bg)
        #expect(grid.rowWidths().allSatisfy { $0 == 120 })
        // Narrow screens keep every row in place too.
        #expect(render(model, compared(width: 60, height: 16), width: 60, height: 16, now: script.end).rowWidths().allSatisfy { $0 == 60 })
    }

    @Test("j/k move the selection; Enter opens the pair's input and output diff; Esc goes back, then closes")
    func pairDiff() {
        var state = compared()
        (state, _) = press([.char("j")], state, model: model, width: 120, height: 36, now: script.end)
        #expect(state.selectedCompareRow == 2)
        (state, _) = press([.char("k")], state, model: model, width: 120, height: 36, now: script.end)
        #expect(state.selectedCompareRow == 1)
        (state, _) = press([.enter], state, model: model, width: 120, height: 36, now: script.end)
        #expect(state.compareDiffOpen)
        let grid = render(model, state, width: 120, height: 36, now: script.end)
        let lines = grid.lines()
        #expect(lines.contains { $0.contains("Diff · row 2 · fetch · input changed") })
        #expect(lines.contains { $0.contains("── input ──") })
        let removed = lines.firstIndex { $0.contains(#"-   "url": "https://weather.example/tokyo""#) }
        let added = lines.firstIndex { $0.contains(#"+   "url": "https://weather.example/kyoto""#) }
        #expect(removed != nil && added != nil)
        if let removed, let added {
            #expect(removed < added)
            let x = lines[removed].distance(from: lines[removed].startIndex, to: lines[removed].range(of: "-   ")!.lowerBound)
            #expect(grid[x: x, y: removed].style == Theme.builtinDefault[.diffRemoved])
            #expect(grid[x: x, y: added].style == Theme.builtinDefault[.diffAdded])
        }
        #expect(lines.contains { $0.contains("── output ──") } && lines.contains { $0.contains("- sunny") })
        #expect(lines.contains { $0.contains("── error ──") } && lines.contains { $0.contains("+ HTTPError: 503 Service Unavailable") })
        (state, _) = press([.escape], state, model: model, width: 120, height: 36, now: script.end)
        #expect(!state.compareDiffOpen && state.compareOpen)
        (state, _) = press([.escape], state, model: model, width: 120, height: 36, now: script.end)
        #expect(!state.compareOpen)
        #expect(state.focus == .runs)
        #expect(render(model, state, width: 120, height: 36, now: script.end).text.contains("Runs 2"))
    }

    @Test("the mark is a copy: it survives its run's eviction and compares against another model")
    func markOutlivesTheRun() throws {
        var state = UIState()
        state.selectedRunID = "run-good"
        (state, _) = press([.char("m")], state, model: model, now: script.end)
        // Another model where run-good is gone (evicted, or another session).
        var other = WireScript()
        other.runStart("run-new")
        other.toolStart("run-new", call: "n1", tool: "web_search", input: #"{"q": "tokyo weather", "top_k": 5}"#)
        other.toolEnd("run-new", call: "n1", tool: "web_search", output: #"{"hits": 5}"#)
        state.selectedRunID = "run-new"
        (state, _) = press([.char("c")], state, model: other.model(), now: other.end)
        let alignment = try #require(state.comparison)
        #expect(alignment.left.calls.count == 3)
        #expect(alignment.rows.map(\.relation) == [.same, .onlyLeft, .onlyLeft])
    }

    @Test("y in the compare view copies the selected pair as JSON, and with its diff open the diff")
    func yank() throws {
        var state = compared()
        var effects: [UIEffect] = []
        (state, effects) = press([.char("y")], state, model: model, width: 120, height: 36, now: script.end)
        let copied = effects.compactMap { if case .copyToClipboard(let text) = $0 { text } else { nil } }
        let row = try #require(copied.first)
        #expect(row.contains(#""relation":"changed_input""#) && row.contains("weather.example/kyoto"), "\(row)")
        #expect(state.statusMessage?.hasPrefix("copied compared row 2 as JSON") == true)
        (state, _) = press([.enter], state, model: model, width: 120, height: 36, now: script.end)
        (state, effects) = press([.char("y")], state, model: model, width: 120, height: 36, now: script.end)
        let diff = try #require(effects.compactMap { if case .copyToClipboard(let text) = $0 { text } else { nil } }.first)
        #expect(diff.contains(#"-   "url": "https://weather.example/tokyo""#) && diff.contains("+ HTTPError: 503"), "\(diff)")
    }

    @Test("m and c are in the key map, so help lists them")
    func helpListsKeys() {
        #expect(UIKeyMap.action(for: .char("m"), focus: .runs) == .mark)
        #expect(UIKeyMap.action(for: .char("c"), focus: .tools) == .compare)
        var state = UIState()
        state.helpVisible = true
        let text = render(model, state, width: 120, height: 40, now: script.end).text
        #expect(text.contains("m / c"))
        #expect(text.contains("mark a run / compare the selected run with it"))
    }
}
