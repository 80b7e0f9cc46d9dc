import CharmTelemetry
import CharmTestSupport
import CharmWire
import Testing

@testable import CharmMonitorCore

/// The indexes a frame reads instead of passing over every run, and the frame itself.
@Suite("UI frame: what a frame reads follows the screen, not the history")
struct UIFrameTests {
    /// Random runs, nesting, tool calls, errors, ends and evictions (maxRuns 12).
    private func randomSession(_ rng: inout SeededRandom, steps: Int, check: (MonitorModel, Int) -> Void) {
        var s = Script()
        var m = MonitorModel(limits: RetentionLimits(maxRuns: 12, maxToolCallsPerRun: 4))
        var next = 0
        for step in 0..<steps {
            let run = "r\(Int.random(in: 0...max(0, next), using: &rng))"
            let event: TelemetryEvent
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:
                next += 1
                let parent = Bool.random(using: &rng) ? "r\(Int.random(in: 0...next, using: &rng))" : nil
                event = s.event(.runStart(inputs: [:]), run: "r\(next)", parent: parent)
            case 1: event = s.event(.runEnd(outputs: [:], status: Bool.random(using: &rng) ? .ok : .error), run: run)
            case 2: event = s.event(.toolStart(toolName: "t", input: "i"), run: run, call: "c\(step)")
            case 3: event = s.event(.toolEnd(toolName: "t", output: "o"), run: run, call: "c\(step - 1)")
            case 4: event = s.event(.error(TelemetryError(type: "E", message: "m")), run: run)
            case 5: event = s.event(.toolError(toolName: "t", error: TelemetryError(type: "E", message: "m")), run: run)
            default: event = s.event(.llmNewToken(token: "x"), run: run)
            }
            m.apply([event])
            if step % 50 == 49 { _ = m.markUnfinished() }
            check(m, step)
            m.refreshRunTree()
        }
    }

    @Test("the running count and the calls total kept as runs change match a recount")
    func totalsMatchARecount() {
        var rng = SeededRandom()
        let note = rng.seedNote
        randomSession(&rng, steps: 600) { m, step in
            let running = m.runs.values.filter { $0.status == .running }.count
            let calls = m.runs.values.reduce(0) { $0 + $1.toolCallCount }
            #expect(m.runningRuns == running, "step \(step), \(note)")
            #expect(m.keptToolCalls == calls, "step \(step), \(note)")
        }
    }

    @Test("the cached run tree is the tree built afresh, after every change")
    func cachedTreeIsFresh() {
        var rng = SeededRandom()
        let note = rng.seedNote
        randomSession(&rng, steps: 600) { m, step in
            var refreshed = m
            refreshed.refreshRunTree()
            #expect(refreshed.runTree == reference(m), "step \(step), \(note)")
        }
    }

    /// The tree as the monitor always listed it: roots in order, children under their parent.
    private func reference(_ m: MonitorModel) -> [RunTreeRow] {
        var rows: [RunTreeRow] = []
        var seen = Set<String>()
        func visit(_ run: MonitorRun, _ depth: Int) {
            guard seen.insert(run.id).inserted else { return }
            rows.append(RunTreeRow(id: run.id, depth: depth, order: run.order))
            for child in m.children(of: run.id) { visit(child, depth + 1) }
        }
        for root in m.rootRuns { visit(root, 0) }
        return rows
    }

    @Test("a frame holds the rows in view and the tail of the text, never the whole")
    func frameHoldsWhatIsVisible() {
        var s = Script()
        var m = MonitorModel()
        for i in 0..<500 {
            m.apply([s.event(.runStart(inputs: [:]), run: "run-\(i)"), s.event(.runEnd(outputs: [:], status: .ok), run: "run-\(i)")])
        }
        m.apply([s.event(.runStart(inputs: [:]), run: "flood")])
        m.apply((0..<20_000).map { _ in s.event(.llmNewToken(token: "token "), run: "flood", advance: 10) })
        m.refreshRunTree()
        let ui = UIState()
        let frame = UIFrame(model: m, ui: ui, size: (120, 36), now: s.clock)
        let layout = UILayout(width: 120, height: 36, state: ui)
        #expect(frame.runs.count == 501)
        #expect(frame.runs.total == 501)
        #expect(frame.runs.rows.count == layout.listRows(.runs))
        #expect(frame.runs.rows.last?.run.id == "flood")
        #expect(frame.runs.rows.allSatisfy { $0.run.text.isEmpty && $0.run.toolCalls.isEmpty })
        #expect(frame.tokens.run?.id == "flood")
        #expect(frame.tokens.run?.text.isEmpty == true)
        #expect(frame.tokens.hasText)
        #expect(frame.tokens.tail.utf8.count < 40_000)
        #expect(frame.header.runs == 501 && frame.header.running == 1)
        // Drawn from the frame, the token pane shows the end of the text as before.
        let text = render(m, width: 120, height: 36, now: s.clock).lines().joined(separator: "\n")
        #expect(text.contains("token token"))
        #expect(text.contains("20k tokens"))
    }

    @Test("with a filter, the cache that re-matches only what changed lists what a full match lists")
    func filterCacheMatchesAFullMatch() {
        var rng = SeededRandom()
        let note = rng.seedNote
        var s = Script()
        var m = MonitorModel(limits: RetentionLimits(maxRuns: 8, maxToolCallsPerRun: 4, maxTextBytesPerRun: 64))
        let cache = RunFilterCache()
        let pieces = ["a", "b", "ab", "B", "x", "é", "Ab"]
        var filter = "ab"
        for step in 0..<1_500 {
            let run = "r\(Int.random(in: 0..<12, using: &rng))"
            let piece = pieces.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: m.apply([s.event(.runStart(inputs: [:]), run: run)])
            case 1: m.apply([s.event(.toolStart(toolName: "t" + piece, input: piece), run: run, call: "c\(step)")])
            case 2: m.apply([s.event(.runEnd(outputs: [:], status: .ok), run: run)])
            default: m.apply([s.event(.llmNewToken(token: piece), run: run)])
            }
            if step == 900 { filter = "bA" }
            m.refreshRunTree()
            let cached = UIRows.treeRows(m, filter: filter, cache: cache).map(\.id)
            #expect(cached == UIRows.treeRows(m, filter: filter).map(\.id), "step \(step), \(note)")
        }
    }

    @Test("the generation moves with every change and only then; a view read leaves it")
    func generationMovesWithChanges() {
        let engine = MonitorEngine()
        let start = engine.read { $0.generation }
        var s = Script()
        engine.ingest(
            .event(WireEvent(type: "thinking", object: ["type": "thinking"], framing: .ndjson,
                             hookEvents: [s.event(.runStart(inputs: [:]), run: "a")])), from: "test")
        let afterIngest = engine.read { $0.generation }
        #expect(afterIngest > start)
        #expect(engine.readForView { $0.generation } == afterIngest)
        #expect(engine.readForView { $0.runTree.map(\.id) } == ["a"])
        engine.noteDropped(1)
        #expect(engine.read { $0.generation } > afterIngest)
    }
}
