import CharmTelemetry
import CharmWire
import Testing

@testable import CharmMonitorCore

/// `[` `]`: the selected run's events one at a time, every pane showing the session as it
/// was right after the step's event, rebuilt by replaying the session's changes.
@Suite("Stepping")
struct SteppingTests {
    /// A file's session: `main` starts, calls `search` (start, end), a sub-run `main.sub`
    /// runs `slow` (start, end), a token, both end; an unrelated run in between.
    static func script(tokens: Int = 1) -> WireScript {
        var s = WireScript()
        s.runStart("main")
        s.toolStart("main", call: "c1", tool: "search", input: "q")
        s.toolEnd("main", call: "c1", tool: "search", output: "found")
        s.runStart("other")
        s.runStart("main.sub", parent: "main")
        s.toolStart("main.sub", call: "c2", tool: "slow", input: "wait")
        s.toolEnd("main.sub", call: "c2", tool: "slow", output: "done")
        s.runEnd("main.sub")
        for k in 0..<tokens { s.token("main", "t\(k) ") }
        s.runEnd("main")
        return s
    }

    static func history(_ s: WireScript) -> StepHistory {
        StepHistory.files([(path: "/s.ndjson", bytes: Array((s.lines.joined(separator: "\n") + "\n").utf8))], limits: .standard, prices: .builtin)
    }

    func context(_ model: MonitorModel, _ history: HistorySupport) -> UIContext {
        var c = UIContext(model: model, width: 120, height: 36, now: Self.script().end)
        c.history = history
        return c
    }

    func press(_ keys: [Key], _ state: UIState, _ context: UIContext) -> (UIState, [UIEffect]) {
        var state = state
        var effects: [UIEffect] = []
        for key in keys {
            let (next, produced) = UIUpdate.update(state, .input(.key(key)), context: context)
            state = next
            effects += produced
        }
        return (state, effects)
    }

    @Test("] enters at the run's first event, each ] and [ moves one, and the panes show that moment")
    func steps() throws {
        let s = Self.script()
        let history = Self.history(s)
        let live = s.model(source: "file:/s.ndjson")
        let ctx = context(live, .ready(history))
        var state = UIState()
        state.selectedRunID = "main"
        (state, _) = press([.char("]")], state, ctx)
        var view = try #require(state.stepping)
        // main's events and main.sub's: 3 + 4 + 1 token + main's end = 9; other's is not one.
        #expect(view.step == 1 && view.total == 9 && view.runID == "main")
        #expect(ctx.viewModel(state).run("main")?.toolCalls.isEmpty == true)
        #expect(ctx.viewModel(state).run("other") == nil)
        // Step 5 is slow's start: running; step 6 its end.
        (state, _) = press(Array(repeating: .char("]"), count: 4), state, ctx)
        view = try #require(state.stepping)
        #expect(view.step == 5)
        #expect(ctx.viewModel(state).run("main.sub")?.toolCalls.first?.status == .running)
        #expect(ctx.viewModel(state).run("other") != nil, "the session as it was: the other run had started")
        var screen = render(live, state, width: 120, height: 36, now: s.end).text
        #expect(screen.contains("step 5/9 · "))
        #expect(screen.contains("● slow"), "\(screen)")
        (state, _) = press([.char("]")], state, ctx)
        #expect(ctx.viewModel(state).run("main.sub")?.toolCalls.first?.status == .ok)
        screen = render(live, state, width: 120, height: 36, now: s.end).text
        #expect(screen.contains("step 6/9 · ") && screen.contains("✓ slow"), "\(screen)")
        (state, _) = press([.char("["), .char("[")], state, ctx)
        #expect(state.stepping?.step == 4)
        #expect(ctx.viewModel(state).run("main.sub")?.toolCalls.isEmpty == true)
        // The ends hold: no step before the first or after the last.
        (state, _) = press(Array(repeating: .char("["), count: 10), state, ctx)
        #expect(state.stepping?.step == 1)
        (state, _) = press(Array(repeating: .char("]"), count: 20), state, ctx)
        #expect(state.stepping?.step == 9)
        #expect(ctx.viewModel(state).run("main")?.isFinished == true)
        // Esc leaves: the live view again.
        (state, _) = press([.escape], state, ctx)
        #expect(state.stepping == nil && state.selectedRunID == "main")
    }

    @Test("[ enters one event before the run's last")
    func backFromTheEnd() throws {
        let s = Self.script()
        var state = UIState()
        state.selectedRunID = "main"
        (state, _) = press([.char("[")], state, context(s.model(), .ready(Self.history(s))))
        #expect(state.stepping?.step == 8)
    }

    @Test("the time of the step is its event's, and durations run to it")
    func time() throws {
        let s = Self.script()
        let history = Self.history(s)
        let view = try #require(SteppingView(runID: "main", runs: ["main", "main.sub"], history: history, step: 2))
        let entry = try #require(history.entries[1] as? FileLineEntry)
        guard case .event(let line) = entry.record, let start = line.hookEvents.first else {
            Issue.record("the second line is no event")
            return
        }
        #expect(view.at == start.timestamp && start.hook == .toolStart)
    }

    @Test("a step back from far along equals stepping there from the start (checkpoints)")
    func checkpoints() throws {
        // 3,000 tokens: more changes than one checkpoint interval, so steps back start from one.
        let s = Self.script(tokens: 3_000)
        let history = Self.history(s)
        let runs: Set<String> = ["main", "main.sub"]
        var view = try #require(SteppingView(runID: "main", runs: runs, history: history, step: -1))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            let target = Int.random(in: 1...view.total, using: &generator)
            view.move(to: target, in: history)
            let fresh = try #require(SteppingView(runID: "main", runs: runs, history: history, step: target))
            #expect(view.model.headlessSummary() == fresh.model.headlessSummary(), "step \(target)")
            #expect(view.model.counters == fresh.model.counters)
        }
        // The last step is the session as the file left it.
        view.move(to: view.total, in: history)
        var whole = history.emptyModel()
        for e in history.entries { e.replay(into: &whole) }
        #expect(view.model.headlessSummary() == whole.headlessSummary())
    }

    @Test("a live session says how to step; a replayable one is built first, then stepped")
    func availability() throws {
        let s = Self.script()
        var state = UIState()
        state.selectedRunID = "main"
        var (after, effects) = press([.char("]")], state, context(s.model(), .unavailable(HistorySupport.noHistory)))
        #expect(after.stepping == nil && after.statusMessage == HistorySupport.noHistory)
        (after, effects) = press([.char("]")], state, context(s.model(), .loadable))
        #expect(after.stepping == nil && effects == [.loadHistory(then: .stepForward)])
        (after, _) = UIUpdate.update(state, .perform(.stepForward), context: context(s.model(), .ready(Self.history(s))))
        #expect(after.stepping?.step == 1)
    }
}
