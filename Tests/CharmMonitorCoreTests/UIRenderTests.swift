import Foundation
import CharmTelemetry
import Testing

@testable import CharmMonitorCore

@Suite("UI render")
struct UIRenderTests {
    let script = sampleScript()
    var model: MonitorModel { script.model() }

    @Test("every pane draws at 80x24 and no row spills or falls short")
    func everyPaneAt80x24() {
        let grid = render(model, now: script.end)
        let text = grid.text
        #expect(text.contains("charm-monitor"))
        #expect(text.contains("Runs 3"))
        #expect(text.contains("✓ run-main") == false)  // run-main is still running
        #expect(text.contains("● run-main"))
        #expect(text.contains("└ run-child"))
        #expect(text.contains("Calls · "))
        #expect(text.contains("Tokens"))
        #expect(text.contains("Errors"))
        #expect(text.contains("q quit"))
        #expect(grid.rowWidths().allSatisfy { $0 == 80 })
    }

    @Test("at 200x60 the wide layout holds CJK, emoji, combining marks and long lines in place",
          arguments: [(80, 24), (200, 60), (120, 36), (60, 16)])
    func alignment(width: Int, height: Int) {
        var state = UIState()
        state.selectedRunID = "run-main"
        state.exportersVisible = true
        let grid = render(model, state, width: width, height: height, now: script.end,
                          exporters: [ExporterRow(name: "datadog", enabled: false, missingVariable: "DATADOG_API_KEY")])
        #expect(grid.rowWidths().allSatisfy { $0 == width })
        // Every pane's right border is intact on every row: nothing spilled across it.
        let layout = UILayout(width: width, height: height, state: state)
        for (_, rect) in layout.panes {
            for y in (rect.y + 1)..<(rect.maxY - 1) {
                #expect(grid[x: rect.maxX - 1, y: y].grapheme == "│", "row \(y) at \(rect)")
                #expect(grid[x: rect.x, y: y].grapheme == "│", "row \(y) at \(rect)")
            }
        }
        // The token pane shows the stream's end; where it is tall enough, the CJK line too.
        if width >= 120 { #expect(grid.text.contains("世界")) }
    }

    @Test("the runs pane shows the tree with status glyphs, durations, calls and tokens")
    func runsPane() {
        let lines = render(model, width: 120, height: 36, now: script.end).lines()
        let main = lines.first { $0.contains("run-main") && $0.contains("●") }
        #expect(main != nil)
        let child = lines.first { $0.contains("└ run-child") }
        #expect(child?.contains("✗") == true)
        #expect(lines.contains { $0.contains("tok/s") })
    }

    @Test("the tool timeline lists calls with offsets, bars and input previews")
    func toolTimeline() {
        var state = UIState()
        state.selectedRunID = "run-main"
        let lines = render(model, state, width: 120, height: 36, now: script.end).lines()
        let search = lines.first { $0.contains("web_search") }
        #expect(search?.contains("━") == true)
        #expect(search?.contains("+") == true)
        #expect(search?.contains("東京の天気") == true)
        #expect(lines.contains { $0.contains("read_file") && $0.contains("✓") })
    }

    @Test("the detail view pretty-prints JSON input and shows the whole output")
    func detailView() {
        var state = UIState()
        state.selectedRunID = "run-main"
        state.selectedToolIndex = 0
        state.detailOpen = true
        state.focus = .detail
        let text = render(model, state, width: 120, height: 36, now: script.end).text
        #expect(text.contains("── input ──"))
        #expect(text.contains(#""query": "東京の天気 明日","#))
        #expect(text.contains(#""top_k": 5"#))
        #expect(text.contains("── output ──"))
        #expect(text.contains("明日の東京は晴れ"))
    }

    @Test("a tool error shows in the detail view and in the errors pane")
    func toolError() {
        var state = UIState()
        state.selectedRunID = "run-child"
        state.selectedToolIndex = 0
        state.detailOpen = true
        let text = render(model, state, width: 120, height: 36, now: script.end).text
        #expect(text.contains("ZeroDivisionError:"))
        #expect(text.contains("division by zero"))
        let errors = render(model, width: 120, height: 36, now: script.end).lines()
        #expect(errors.contains { $0.contains("tool") && $0.contains("run-child") })
        #expect(errors.contains { $0.contains("malformed") && $0.contains("not json") })
    }

    @Test("the token pane wraps the stream and keeps its end in view when following")
    func tokens() {
        var state = UIState()
        state.selectedRunID = "run-main"
        state.tokenRateSamples = [1, 4, 8, 2]
        let lines = render(model, state, width: 120, height: 36, now: script.end).lines()
        #expect(lines.contains { $0.contains("▁") || $0.contains("█") })
        #expect(lines.contains { $0.contains("xxxxxxxx") })
        #expect(lines.contains { $0.contains("tok/s") && $0.contains("tokens") })
    }

    @Test("the log view lists raw prints")
    func logView() {
        var state = UIState()
        state.showLog = true
        let text = render(model, state, width: 120, height: 36, now: script.end).text
        #expect(text.contains("a raw print from the agent 漢字"))
    }

    @Test("a terminal below 60x16 says so")
    func tooSmall() {
        let text = render(model, width: 59, height: 16, now: script.end).text
        #expect(text.contains("terminal too small (59×16, need 60×16)"))
        let short = render(model, width: 100, height: 10, now: script.end).text
        #expect(short.contains("terminal too small (100×10, need 60×16)"))
    }

    @Test("the help overlay lists every key of the key map, whole, on an 80-column screen")
    func help() {
        var state = UIState()
        state.helpVisible = true
        let lines = render(model, state, width: 80, height: 24, now: script.end).lines()
        for entry in UIKeyMap.entries {
            #expect(lines.contains { $0.contains(entry.label) && $0.contains(entry.summary) }, "\(entry.label)")
        }
    }

    @Test("the exporters panel shows switches, health, counters and a missing secret")
    func exportersPanel() {
        var state = UIState()
        state.exportersVisible = true
        let rows = [
            ExporterRow(name: "jsonl", enabled: true, delivered: 42, queued: 3),
            ExporterRow(name: "datadog", enabled: false, missingVariable: "DATADOG_API_KEY"),
            ExporterRow(name: "otlp", enabled: true, health: .failing, failed: 2, lastError: "HTTP 503"),
        ]
        let lines = render(model, state, width: 120, height: 36, now: script.end, exporters: rows).lines()
        #expect(lines.contains { $0.contains("[x] jsonl") && $0.contains("42") })
        #expect(lines.contains { $0.contains("[ ] datadog") && $0.contains("needs DATADOG_API_KEY") })
        #expect(lines.contains { $0.contains("otlp") && $0.contains("failing") && $0.contains("HTTP 503") })
    }

    @Test("community registry entries not installed here are listed with their install command; Space explains")
    func notInstalledRegistryEntries() {
        let registry = ExporterRegistry()
        registry.register(ExporterDescriptor(name: "jsonl", summary: "file") { _ in CharmEmitterExporter() })
        let rows = ExporterRow.rows(
            statistics: [], registry: registry, environment: [:],
            notInstalled: [(id: "acme", installCommand: "pip install charm-acme"), (id: "jsonl", installCommand: "x")])
        #expect(rows.map(\.name) == ["jsonl", "acme"])
        var state = UIState()
        state.exportersVisible = true
        let lines = render(model, state, width: 120, height: 36, now: script.end, exporters: rows).lines()
        #expect(lines.contains { $0.contains("[ ] acme") && $0.contains("not installed — pip inst") })
        // Space on it does not try to enable it: the status line gives the whole command.
        state.focus = .exporters
        state.selectedExporterIndex = 1
        let ctx = UIContext(model: model, exporters: rows, width: 120, height: 36, now: script.end)
        let (after, effects) = UIUpdate.update(state, .input(.key(.char(" "))), context: ctx)
        #expect(effects.isEmpty)
        #expect(after.statusMessage == "acme is not installed here: pip install charm-acme")
    }

    @Test("paused: the frozen model is drawn and the unseen count shown")
    func paused() {
        var state = UIState()
        let frozen = model
        state.paused = UIState.PausedView(model: frozen)
        var more = script
        more.runStart("run-late")
        let live = more.model()
        let text = render(live, state, width: 120, height: 36, now: more.end).text
        #expect(text.contains("PAUSED +1 unseen"))
        #expect(!text.contains("run-late"))
    }

    @Test("the filter keeps matching runs and highlights the match")
    func filter() {
        var state = UIState()
        state.filter = "child"
        let grid = render(model, state, width: 120, height: 36, now: script.end)
        let lines = grid.lines()
        #expect(lines.contains { $0.contains("run-child") })
        #expect(!lines.contains { $0.contains("run-other") })
        let row = lines.firstIndex { $0.contains("└ run-child") }!
        let column = grid.cellsColumn(of: "child", inRow: row)!
        #expect(grid[x: column, y: row].style == Theme.builtinDefault[.highlight]
                || grid[x: column, y: row].style.bg == Theme.builtinDefault[.selection].bg)
    }

    @Test("every match of the filter on screen is drawn in the highlight style, and nothing else is")
    func filterHighlightsEveryMatch() {
        var state = UIState()
        state.filter = "calculator"
        state.selectedRunID = "run-child"
        let grid = render(model, state, width: 120, height: 36, now: script.end)
        let lines = grid.lines()
        var matches = 0
        for (row, line) in lines.enumerated() where line.contains("calculator") {
            let column = grid.cellsColumn(of: "calculator", inRow: row)!
            for x in column..<(column + 10) {
                #expect(grid[x: x, y: row].style == Theme.builtinDefault[.highlight], "row \(row) column \(x)")
            }
            matches += 1
        }
        #expect(matches >= 2, "the call in the timeline and its error")
        var highlighted = 0
        for y in 0..<grid.height { for x in 0..<grid.width where grid[x: x, y: y].style == Theme.builtinDefault[.highlight] { highlighted += 1 } }
        #expect(highlighted == matches * 10, "only the matches are highlighted")
    }

    @Test("on a narrow screen the header's indicators shorten and never cover the title")
    func narrowHeader() {
        var state = UIState()
        state.streamEnded = true
        state.paused = UIState.PausedView(model: model)
        let header = render(model, state, width: 60, height: 16, now: script.end).lines()[0]
        #expect(header.contains("charm-monitor"))
        #expect(header.contains("PAUSED +0"))
        #expect(header.contains("stream ended"))
        #expect(DisplayWidth.of(header) == 60)
    }

    @Test("stream ended is announced in the header")
    func streamEnded() {
        var state = UIState()
        state.streamEnded = true
        #expect(render(model, state, width: 120, height: 36, now: script.end).text.contains("stream ended"))
    }

    @Test("sparklines scale to their maximum")
    func sparkline() {
        #expect(UIFormat.sparkline([0, 1, 2, 4, 8], width: 5) == "▁▂▃▅█")
        #expect(UIFormat.sparkline([3, 3], width: 1) == "█")
        #expect(UIFormat.duration(0.25) == "250ms")
        #expect(UIFormat.duration(75) == "1m15s")
        #expect(UIFormat.count(12_345) == "12k")
    }

    @Test("JSON is pretty-printed with two-space indents")
    func prettyJSON() {
        let lines = JSONPretty.lines(ofJSONText: #"{"a": [1, true, null], "b": {"c": "x\ny"}, "d": {}}"#)!.map(\.text)
        #expect(lines == [
            "{", #"  "a": ["#, "    1,", "    true,", "    null", "  ],", #"  "b": {"#, #"    "c": "x\ny""#, "  },",
            #"  "d": {}"#, "}",
        ])
        #expect(JSONPretty.lines(ofJSONText: "1 / 0") == nil)
    }
}

extension Grid {
    /// The column where `needle` starts in row `row`, counting cells (wide characters 2).
    func cellsColumn(of needle: String, inRow row: Int) -> Int? {
        var text = ""
        var columns: [Int] = []
        for x in 0..<width where !self[x: x, y: row].isContinuation {
            for _ in self[x: x, y: row].grapheme { columns.append(x) }
            text += self[x: x, y: row].grapheme
        }
        guard let range = text.range(of: needle) else { return nil }
        return columns[text.distance(from: text.startIndex, to: range.lowerBound)]
    }
}
