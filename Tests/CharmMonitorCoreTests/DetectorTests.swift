import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// Each detector firing, and staying silent, on scripted events with injected time.
@Suite struct DetectorTests {
    /// A model fed by a script whose clock the test moves by hand.
    struct Rig {
        var model: MonitorModel
        var s = Script()

        init(_ rules: DetectorRules = .standard) {
            model = MonitorModel()
            model.setRules(rules)
        }

        /// Seconds since the script's start.
        var now: Timestamp { s.clock }

        mutating func send(_ p: TelemetryEvent.Payload, run: String = "r", call: String? = nil, after seconds: Double = 0.001) {
            let e = s.event(p, run: run, call: call, advance: Int64(seconds * 1_000_000))
            model.apply([e])
        }

        /// A whole call of `tool` with `input` taking `seconds`.
        mutating func call(_ tool: String, _ input: String = "x", run: String = "r", seconds: Double = 0.01, fail: Bool = false) {
            let id = "c\(s.seq)"
            send(.toolStart(toolName: tool, input: input), run: run, call: id)
            if fail {
                send(.toolError(toolName: tool, error: TelemetryError(type: "E", message: "boom")), run: run, call: id, after: seconds)
            } else {
                send(.toolEnd(toolName: tool, output: "ok"), run: run, call: id, after: seconds)
            }
        }

        var findings: [Finding] { Array(model.findings) }
        func fired(_ rule: DetectorRule) -> [Finding] { findings.filter { $0.rule == rule } }
    }

    // MARK: Loop

    @Test("the same tool with the same input: silent at 2 calls, fires at exactly 3, once")
    func sameCallThreeTimes() {
        var r = Rig()
        r.call("search", "swift")
        r.call("search", "swift")
        #expect(r.findings.isEmpty)
        r.call("search", "swift")
        #expect(r.fired(.loop).count == 1)
        #expect(r.fired(.loop).first?.detail.contains("search called 3 times") == true)
        #expect(r.fired(.loop).first?.runID == "r")
        r.call("search", "swift")
        r.call("search", "swift")
        #expect(r.fired(.loop).count == 1, "fires once per (rule, run, subject)")
        #expect(r.model.run("r")?.findingRules == [.loop])
        #expect(r.model.counters.findings[.loop] == 1)
        #expect(r.model.errors.last?.kind == .finding)
        #expect(r.model.errors.last?.runID == "r")
    }

    @Test("different inputs, or the same call spread over runs, are no loop")
    func differentInputs() {
        var r = Rig()
        for q in ["a", "b", "c", "d", "e"] { r.call("search", q) }
        for run in ["r1", "r2", "r3"] { r.call("search", "same", run: run) }
        #expect(r.findings.isEmpty)
    }

    @Test("a cycle of 2 (A,B ×3) fires on the sixth call, not before")
    func cycleOfTwo() {
        var r = Rig()
        let calls = [("search", "q1"), ("read", "u1"), ("search", "q2"), ("read", "u2"), ("search", "q3")]
        for (t, i) in calls { r.call(t, i) }
        #expect(r.findings.isEmpty)
        r.call("read", "u3")
        let loops = r.fired(.loop)
        #expect(loops.count == 1)
        #expect(loops.first?.detail == "cycle of calls read→search repeated 3 times")
    }

    @Test("a cycle of 3 (A,B,C ×3) fires on the ninth call; A,B,C,A,B,C,A,B,D does not")
    func cycleOfThree() {
        var r = Rig()
        for i in 0..<8 { r.call(["plan", "act", "check"][i % 3], "i\(i)") }
        #expect(r.findings.isEmpty)
        r.call("check", "i8")
        #expect(r.fired(.loop).map(\.detail) == ["cycle of calls act→check→plan repeated 3 times"])

        var broken = Rig()
        for i in 0..<8 { broken.call(["plan", "act", "check"][i % 3], "i\(i)") }
        broken.call("other", "i8")
        #expect(broken.findings.isEmpty)
    }

    @Test("one tool called over and over with new inputs is no cycle")
    func sameNameIsNoCycle() {
        var r = Rig()
        for i in 0..<12 { r.call("search", "q\(i)") }
        #expect(r.findings.isEmpty)
    }

    @Test("loop thresholds come from the rules; 0 turns a half off")
    func loopRules() {
        var rules = DetectorRules()
        rules.loop.repeats = 0
        rules.loop.cycleRepeats = 2
        var r = Rig(rules)
        for _ in 0..<3 { r.call("a", "same") }
        #expect(r.findings.isEmpty)
        r.call("b")
        r.call("a", "same")
        r.call("b")
        #expect(r.fired(.loop).count == 1)
    }

    // MARK: Stall

    @Test("a call that ran past 30 s with no p95 is a stall; one under it is not")
    func stallWithoutP95() {
        var r = Rig()
        r.call("slow", seconds: 29)
        #expect(r.findings.isEmpty)
        r.call("slow2", seconds: 31)
        #expect(r.fired(.stall).count == 1)
        #expect(r.fired(.stall).first?.detail.contains("slow2 ran for 31.0s") == true)
        #expect(r.fired(.stall).first?.callID != nil)
    }

    @Test("with a p95, the limit is 3 × p95 when that exceeds the floor")
    func stallWithP95() {
        var r = Rig()
        for _ in 0..<20 { r.call("fetch", "u\(r.s.seq)", seconds: 20) }
        #expect(r.findings.isEmpty)
        // p95 ≈ 20 s: the limit is 60 s, so 45 s is no stall, 65 s is.
        r.call("fetch", "late", seconds: 45)
        #expect(r.findings.isEmpty)
        r.call("fetch", "later", seconds: 65)
        #expect(r.fired(.stall).count == 1)
        #expect(r.fired(.stall).first?.detail.contains("p95") == true)
    }

    @Test("a call still running is found by the periodic check, once, and only past its limit")
    func stallWhileRunning() {
        var rules = DetectorRules()
        rules.stall.toolSeconds = 5
        var r = Rig(rules)
        r.send(.toolStart(toolName: "hang", input: "x"), call: "h1")
        let start = r.now
        r.model.checkDetectors(now: Timestamp(microseconds: start.microseconds + 4_000_000))
        #expect(r.findings.isEmpty)
        r.model.checkDetectors(now: Timestamp(microseconds: start.microseconds + 6_000_000))
        #expect(r.fired(.stall).map(\.detail) == ["hang running for 6.0s, past its limit of 5.0s"])
        r.model.checkDetectors(now: Timestamp(microseconds: start.microseconds + 9_000_000))
        // Its end, past the limit too, is the same finding.
        r.send(.toolEnd(toolName: "hang", output: ""), call: "h1", after: 10)
        #expect(r.fired(.stall).count == 1)
        #expect(r.model.detectors.watched.isEmpty)
    }

    @Test("a streaming run with no token for 10 s stalls; one that moved on to a tool does not")
    func tokenGap() {
        var r = Rig()
        r.send(.llmNewToken(token: "a"))
        let last = r.now
        r.model.checkDetectors(now: Timestamp(microseconds: last.microseconds + 9_000_000))
        #expect(r.findings.isEmpty)
        r.model.checkDetectors(now: Timestamp(microseconds: last.microseconds + 11_000_000))
        #expect(r.fired(.stall).map(\.subject) == ["tokens"])

        var tool = Rig()
        tool.send(.llmNewToken(token: "a"))
        tool.send(.toolStart(toolName: "t", input: ""), call: "c")
        tool.send(.toolEnd(toolName: "t", output: ""), call: "c", after: 12)
        tool.send(.llmNewToken(token: "b"), after: 1)
        #expect(tool.findings.isEmpty, "a gap spent in a tool call is not a stalled stream")

        var resumed = Rig()
        resumed.send(.llmNewToken(token: "a"))
        resumed.send(.llmNewToken(token: "b"), after: 12)
        #expect(resumed.fired(.stall).count == 1, "a gap seen when the stream resumes counts too (replays)")
    }

    // MARK: Error storm

    @Test("5 errors within 10 s storm; 4, or 5 spread over more than 10 s, do not")
    func storm() {
        var r = Rig()
        for _ in 0..<4 { r.call("flaky", "k\(r.s.seq)", seconds: 1, fail: true) }
        #expect(r.fired(.errorStorm).isEmpty)
        r.call("flaky", "k5", seconds: 1, fail: true)
        #expect(r.fired(.errorStorm).map(\.detail) == ["5 errors within 10.0s"])
        for _ in 0..<5 { r.call("flaky", "more\(r.s.seq)", fail: true) }
        #expect(r.fired(.errorStorm).count == 1)

        var slow = Rig()
        for i in 0..<8 { slow.send(.error(TelemetryError(message: "e\(i)")), after: 3) }
        #expect(slow.fired(.errorStorm).isEmpty, "one error every 3 s: 5 span 12 s")

        var window = Rig()
        for i in 0..<5 { window.send(.error(TelemetryError(message: "e\(i)")), after: 2.5) }
        #expect(window.fired(.errorStorm).count == 1, "5 errors spanning exactly 10 s storm")
    }

    // MARK: Budget

    @Test("budget: off unless a limit is set; fires once when a run's tokens or cost pass it")
    func budget() {
        var off = Rig()
        for _ in 0..<50 { off.send(.llmNewToken(token: "t")) }
        #expect(off.findings.isEmpty)

        var rules = DetectorRules()
        rules.budget.maxTokens = 10
        var r = Rig(rules)
        for _ in 0..<10 { r.send(.llmNewToken(token: "t")) }
        #expect(r.findings.isEmpty)
        r.send(.llmNewToken(token: "t"))
        #expect(r.fired(.budget).map(\.detail) == ["11 tokens, over the budget of 10"])
        for _ in 0..<5 { r.send(.llmNewToken(token: "t")) }
        #expect(r.fired(.budget).count == 1)

        var cost = DetectorRules()
        cost.budget.maxCostUSD = 0.01
        var c = Rig(cost)
        let call = LLMCall(model: "gpt-4o", inputTokens: 1_000_000, outputTokens: 0, start: c.now)
        c.send(.llmCall(call))
        #expect(c.fired(.budget).first?.subject == "cost")
    }

    // MARK: Statistics

    @Test("tool statistics: calls, errors, rate, p50/p95/max, across runs, kept when runs are evicted")
    func statistics() {
        var r = Rig()
        r.model = MonitorModel(limits: RetentionLimits(maxRuns: 2))
        for i in 0..<10 { r.call("calc", "\(i)", run: "run\(i)", seconds: Double(i + 1), fail: i % 5 == 0) }
        let s = r.model.toolStats["calc"]!
        #expect(s.calls == 10)
        #expect(s.errors == 2)
        #expect(s.errorRate == 0.2)
        #expect((4_900_000...5_100_000).contains(s.p50Micros))
        #expect((9_900_000...10_100_000).contains(s.p95Micros))
        #expect((9_900_000...10_100_000).contains(s.maxMicros))
        #expect(r.model.runs.count == 2)
        #expect(s.recent.count == 10)
    }

    // MARK: Rules files

    @Test("rules YAML: every key read, defaults kept, bad input a clear error with its line")
    func rulesYAML() throws {
        let rules = try DetectorRules.parse("""
            loop: {repeats: 4, cycle_repeats: 0, max_cycle: 6}
            stall:
              tool_seconds: 2
              tool_p95_factor: 5
              token_gap_seconds: 1.5
            error_storm: {errors: 3, window_seconds: 60}
            budget: {max_tokens: 1000, max_cost_usd: 0.5}
            """)
        #expect(rules.loop.repeats == 4 && rules.loop.cycleRepeats == 0 && rules.loop.maxCycle == 6)
        #expect(rules.stall.toolSeconds == 2 && rules.stall.toolP95Factor == 5 && rules.stall.tokenGapSeconds == 1.5)
        #expect(rules.errorStorm.errors == 3 && rules.errorStorm.windowSeconds == 60)
        #expect(rules.budget.maxTokens == 1000 && rules.budget.maxCostUSD == 0.5)
        #expect(try DetectorRules.parse("") == .standard)
        #expect(try DetectorRules.parse("stall: {enabled: false}").stall.enabled == false)
        let nested = try DetectorRules.parse("version: '0.4'\nmonitor:\n  rules:\n    loop: {repeats: 5}\n", under: ["monitor", "rules"])
        #expect(nested.loop.repeats == 5)
        #expect(try DetectorRules.parse("version: '0.4'\n", under: ["monitor", "rules"]) == .standard)

        for (text, message) in [
            ("loop: {repeat: 3}", "r.yaml:1: unknown key 'repeat' in loop"),
            ("stall:\n  tool_seconds: -1", "2: stall.tool_seconds must be a number of seconds greater than 0"),
            ("loop:\n  max_cycle: 20", "2: loop.max_cycle must be a whole number from 2 to 8"),
            ("loops: {}", "1: unknown key 'loops' in the rules"),
            ("loop: [1]", "1: loop must be a mapping"),
            ("loop: {repeats: 3", "invalid YAML"),
            ("budget: {max_tokens: many}", "budget.max_tokens must be a whole number of at least 1"),
        ] {
            #expect(throws: DetectorRulesError.self) { try DetectorRules.parse(text, path: "r.yaml") }
            do {
                _ = try DetectorRules.parse(text, path: "r.yaml")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }

    @Test("findings are bounded per run: a flood of stalled calls records at most 64")
    func bounded() {
        var rules = DetectorRules()
        rules.stall.toolSeconds = 1
        var r = Rig(rules)
        for i in 0..<200 { r.call("t\(i)", seconds: 2) }
        #expect(r.fired(.stall).count == 64)
        #expect(r.model.run("r")?.watch.suppressed == 136)
    }
}
