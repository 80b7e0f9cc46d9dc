import CharmTelemetry

/// The loop, stall, error-storm and budget detectors, applied as events arrive (see
/// docs/monitor.md "Findings"): each hook returns what fired, at most once per (rule, run,
/// subject). Time is what the caller passes, an event's or a check's, never read here, so
/// every rule is testable without sleeping.
///
/// Per run it keeps a `RunWatch` (bounded); `watched` holds the runs a time-based check must
/// look at (a call open, or a token stream going), so `check` never passes over every run.
package struct Detectors: Sendable {
    /// The thresholds.
    package var rules: DetectorRules
    private var watches: [String: RunWatch] = [:]
    /// Runs with a call open or a token stream going: what `check` looks at.
    package private(set) var watched: Set<String> = []

    /// Detectors with `rules`.
    package init(rules: DetectorRules = .standard) { self.rules = rules }

    /// Findings a run had past `RunWatch.maxFindings`, not recorded.
    package func suppressed(run: String) -> Int { watches[run]?.suppressed ?? 0 }

    /// Forgets an evicted run.
    mutating func forget(run: String) {
        watches[run] = nil
        watched.remove(run)
    }

    /// Says whether `run` needs the time-based check: a call open, or streaming.
    mutating func setWatched(_ run: String, openCalls: Bool, finished: Bool) {
        let streaming = watches[run]?.streaming ?? false
        if !finished && (openCalls || streaming) { watched.insert(run) } else { watched.remove(run) }
    }

    private mutating func withWatch<R>(_ run: String, _ body: (inout RunWatch) -> R) -> R {
        if let i = watches.index(forKey: run) { return body(&watches.values[i]) }
        var w = RunWatch()
        let r = body(&w)
        watches[run] = w
        return r
    }

    private mutating func fire(_ rule: DetectorRule, run: String, subject: String) -> Bool {
        withWatch(run) { $0.fire(rule, subject) }
    }

    // MARK: Events

    /// Any hook event of `run` other than a token: its token stream, if any, paused.
    mutating func activity(run: String) {
        if let i = watches.index(forKey: run), watches.values[i].streaming { watches.values[i].streaming = false }
    }

    /// A tool call started: the loop rule.
    mutating func toolStarted(run: String, callID: String, name: String, input: String, at: Timestamp) -> [Finding] {
        activity(run: run)
        let loop = rules.loop
        guard loop.enabled else { return [] }
        var out: [Finding] = []
        let (count, cycle) = withWatch(run) { w in
            (loop.repeats > 0 ? w.countCall(name: name, input: input) : 0,
             loop.cycleRepeats > 0 ? w.addCall(name: name, repeats: loop.cycleRepeats, maxCycle: loop.maxCycle) : nil)
        }
        if loop.repeats > 0, count == loop.repeats {
            var h = Hasher()
            h.combine(input)
            let subject = "same:\(name):\(String(UInt(bitPattern: h.finalize()), radix: 36))"
            if fire(.loop, run: run, subject: subject) {
                let shown = UIFormat.oneLine(input.cut(toUTF8: 80))
                out.append(Finding(
                    rule: .loop, runID: run, subject: subject,
                    detail: "\(name) called \(count) times with the same input \"\(shown)\"", callID: callID, at: at))
            }
        }
        if let cycle {
            let name = cycle.cycleName
            if fire(.loop, run: run, subject: "cycle:" + name) {
                out.append(Finding(
                    rule: .loop, runID: run, subject: "cycle:" + name,
                    detail: "cycle of calls \(name) repeated \(loop.cycleRepeats) times", callID: callID, at: at))
            }
        }
        return out
    }

    /// A tool call ended after `seconds`: a stall if it ran past the limit for a tool whose
    /// p95 was `p95` before it.
    mutating func toolEnded(run: String, callID: String, name: String, seconds: Double, p95: Double?, at: Timestamp) -> Finding? {
        activity(run: run)
        return toolStall(run: run, callID: callID, name: name, seconds: seconds, p95: p95, at: at, ended: true)
    }

    private mutating func toolStall(
        run: String, callID: String, name: String, seconds: Double, p95: Double?, at: Timestamp, ended: Bool
    ) -> Finding? {
        guard rules.stall.enabled else { return nil }
        let limit = rules.stall.toolLimit(p95: p95)
        guard seconds > limit, fire(.stall, run: run, subject: "call:" + callID) else { return nil }
        let how = ended ? "ran for \(UIFormat.duration(seconds))" : "running for \(UIFormat.duration(seconds))"
        return Finding(
            rule: .stall, runID: run, subject: "call:" + callID,
            detail: "\(name) \(how), past its limit of \(UIFormat.duration(limit))\(p95.map { " (p95 \(UIFormat.duration($0)))" } ?? "")",
            callID: callID, at: at)
    }

    /// A token arrived: a stall if the run was streaming and had none for the gap.
    mutating func token(run: String, at: Timestamp) -> Finding? {
        let stall = rules.stall
        let gap: Double? = withWatch(run) { w in
            defer {
                w.streaming = true
                w.lastTokenAt = at
            }
            guard w.streaming, let last = w.lastTokenAt else { return nil }
            return at.seconds(since: last)
        }
        guard stall.enabled, let gap, gap > stall.tokenGapSeconds else { return nil }
        return tokenStall(run: run, gap: gap, at: at, resumed: true)
    }

    private mutating func tokenStall(run: String, gap: Double, at: Timestamp, resumed: Bool) -> Finding? {
        guard fire(.stall, run: run, subject: "tokens") else { return nil }
        let what = resumed ? "had no token for \(UIFormat.duration(gap)) while streaming"
            : "streaming, no token for \(UIFormat.duration(gap))"
        return Finding(rule: .stall, runID: run, subject: "tokens", detail: what, at: at)
    }

    /// An error of `run` (a tool's, the run's, a model call's): the storm rule.
    mutating func error(run: String, at: Timestamp) -> Finding? {
        let storm = rules.errorStorm
        guard storm.enabled else { return nil }
        let stormy = withWatch(run) { $0.addError(at: at, count: storm.errors, window: storm.windowSeconds) }
        guard stormy, fire(.errorStorm, run: run, subject: "errors") else { return nil }
        return Finding(
            rule: .errorStorm, runID: run, subject: "errors",
            detail: "\(storm.errors) errors within \(UIFormat.duration(storm.windowSeconds))", at: at)
    }

    /// The run's usage changed: the budget rule.
    mutating func usage(of run: MonitorRun, at: Timestamp) -> Finding? {
        let budget = rules.budget
        if let max = budget.maxTokens {
            let tokens = run.budgetTokens
            if tokens > max, fire(.budget, run: run.id, subject: "tokens") {
                return Finding(rule: .budget, runID: run.id, subject: "tokens", detail: "\(tokens) tokens, over the budget of \(max)", at: at)
            }
        }
        if let max = budget.maxCostUSD, run.pricedCost > max, fire(.budget, run: run.id, subject: "cost") {
            return Finding(
                rule: .budget, runID: run.id, subject: "cost",
                detail: "cost \(UIFormat.cost(run.pricedCost)), over the budget of \(UIFormat.cost(max))", at: at)
        }
        return nil
    }

    // MARK: Time

    /// The time-based half of the stall rule at `now`, over the watched runs: calls open
    /// past their limit, streams without a token for the gap. `run` looks a run up, `p95`
    /// a tool's p95 in seconds.
    mutating func check(now: Timestamp, run lookup: (String) -> MonitorRun?, p95: (String) -> Double?) -> [Finding] {
        guard rules.stall.enabled else { return [] }
        var out: [Finding] = []
        for id in watched.sorted() {
            guard let run = lookup(id) else {
                watched.remove(id)
                continue
            }
            for abs in run.openCalls {
                let call = run.toolCalls[abs - run.evictedToolCalls]
                let seconds = now.seconds(since: call.start)
                if let f = toolStall(run: id, callID: call.callID, name: call.toolName, seconds: seconds,
                                     p95: p95(call.toolName), at: now, ended: false) {
                    out.append(f)
                }
            }
            if let w = watches[id], w.streaming, let last = w.lastTokenAt, now.seconds(since: last) > rules.stall.tokenGapSeconds,
                let f = tokenStall(run: id, gap: now.seconds(since: last), at: now, resumed: false)
            {
                out.append(f)
            }
        }
        return out
    }
}

extension MonitorRun {
    /// The tokens the budget rule counts: the run's LLM calls' input + output tokens, or,
    /// when its calls report none, its streamed tokens.
    package var budgetTokens: Int {
        if inputTokens != nil || outputTokens != nil { return (inputTokens ?? 0) &+ (outputTokens ?? 0) }
        return tokenCount
    }
}
