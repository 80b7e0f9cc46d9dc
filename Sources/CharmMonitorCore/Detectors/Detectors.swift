import CharmTelemetry

/// The loop, stall, error-storm and budget detectors (see docs/monitor.md "Findings"): their
/// thresholds, and which runs a time-based check must look at.
///
/// What the rules remember of a run lives in the run itself (`MonitorRun.watch`, a
/// `RunWatch`), so judging an event costs no look-up beyond the one that found its run, and
/// the state goes with the run when it is evicted. Each rule fires at most once per (rule,
/// run, subject). Time is what the caller passes, an event's or a check's, never read here,
/// so every rule is testable without sleeping.
package struct Detectors: Sendable {
    /// The thresholds.
    package var rules: DetectorRules
    /// Runs with a call open or a token stream going: what the time-based check looks at,
    /// so it never passes over every run. Kept in step with each run's `RunWatch.watched`.
    package internal(set) var watched: Set<String> = []

    /// Detectors with `rules`.
    package init(rules: DetectorRules = .standard) { self.rules = rules }
}

extension RunWatch {
    /// A tool call started: the loop rule.
    mutating func toolStarted(
        _ rules: DetectorRules, run: String, callID: String, name: String, input: String, at: Timestamp
    ) -> [Finding] {
        streaming = false
        let loop = rules.loop
        guard loop.enabled else { return [] }
        var out: [Finding] = []
        let count = loop.repeats > 0 ? countCall(name: name, input: input) : 0
        let cycle = loop.cycleRepeats > 0 ? addCall(name: name, repeats: loop.cycleRepeats, maxCycle: loop.maxCycle) : nil
        if loop.repeats > 0, count == loop.repeats {
            var h = Hasher()
            h.combine(input)
            let subject = "same:\(name):\(String(UInt(bitPattern: h.finalize()), radix: 36))"
            if fire(.loop, subject) {
                let shown = UIFormat.oneLine(input.cut(toUTF8: 80))
                out.append(Finding(
                    rule: .loop, runID: run, subject: subject,
                    detail: "\(name) called \(count) times with the same input \"\(shown)\"", callID: callID, at: at))
            }
        }
        if let cycle {
            let name = cycle.cycleName
            if fire(.loop, "cycle:" + name) {
                out.append(Finding(
                    rule: .loop, runID: run, subject: "cycle:" + name,
                    detail: "cycle of calls \(name) repeated \(loop.cycleRepeats) times", callID: callID, at: at))
            }
        }
        return out
    }

    /// A tool call ended after `seconds`: a stall if it ran past the limit for a tool whose
    /// p95 was `p95` before it.
    mutating func toolEnded(
        _ rules: DetectorRules, run: String, callID: String, name: String, seconds: Double, p95: Double?, at: Timestamp
    ) -> Finding? {
        streaming = false
        return toolStall(rules, run: run, callID: callID, name: name, seconds: seconds, p95: p95, at: at, ended: true)
    }

    /// A call of `name` that has run (or ran) `seconds`: a stall past its limit.
    mutating func toolStall(
        _ rules: DetectorRules, run: String, callID: String, name: String, seconds: Double, p95: Double?, at: Timestamp,
        ended: Bool
    ) -> Finding? {
        guard rules.stall.enabled else { return nil }
        let limit = rules.stall.toolLimit(p95: p95)
        guard seconds > limit, fire(.stall, "call:" + callID) else { return nil }
        let how = ended ? "ran for \(UIFormat.duration(seconds))" : "running for \(UIFormat.duration(seconds))"
        return Finding(
            rule: .stall, runID: run, subject: "call:" + callID,
            detail: "\(name) \(how), past its limit of \(UIFormat.duration(limit))\(p95.map { " (p95 \(UIFormat.duration($0)))" } ?? "")",
            callID: callID, at: at)
    }

    /// A token arrived: a stall if the run was streaming and had none for the gap.
    mutating func token(_ rules: DetectorRules, run: String, at: Timestamp) -> Finding? {
        let gap = streaming ? lastTokenAt.map { at.seconds(since: $0) } : nil
        streaming = true
        lastTokenAt = at
        guard rules.stall.enabled, let gap, gap > rules.stall.tokenGapSeconds else { return nil }
        return tokenStall(run: run, gap: gap, at: at, resumed: true)
    }

    /// The stream is quiet at `now`: a stall past the gap.
    mutating func quietStream(_ rules: DetectorRules, run: String, now: Timestamp) -> Finding? {
        guard rules.stall.enabled, streaming, let last = lastTokenAt else { return nil }
        let gap = now.seconds(since: last)
        guard gap > rules.stall.tokenGapSeconds else { return nil }
        return tokenStall(run: run, gap: gap, at: now, resumed: false)
    }

    private mutating func tokenStall(run: String, gap: Double, at: Timestamp, resumed: Bool) -> Finding? {
        guard fire(.stall, "tokens") else { return nil }
        let what = resumed ? "had no token for \(UIFormat.duration(gap)) while streaming"
            : "streaming, no token for \(UIFormat.duration(gap))"
        return Finding(rule: .stall, runID: run, subject: "tokens", detail: what, at: at)
    }

    /// An error of the run (a tool's, the run's, a model call's): the storm rule.
    mutating func error(_ rules: DetectorRules, run: String, at: Timestamp) -> Finding? {
        let storm = rules.errorStorm
        guard storm.enabled, addError(at: at, count: storm.errors, window: storm.windowSeconds),
            fire(.errorStorm, "errors")
        else { return nil }
        return Finding(
            rule: .errorStorm, runID: run, subject: "errors",
            detail: "\(storm.errors) errors within \(UIFormat.duration(storm.windowSeconds))", at: at)
    }

    /// The run's usage is now `tokens` (see `MonitorRun.budgetTokens`) and `cost`: the budget rule.
    mutating func usage(_ rules: DetectorRules, run: String, tokens: Int, cost: Double, at: Timestamp) -> Finding? {
        let budget = rules.budget
        if let max = budget.maxTokens, tokens > max, fire(.budget, "tokens") {
            return Finding(rule: .budget, runID: run, subject: "tokens", detail: "\(tokens) tokens, over the budget of \(max)", at: at)
        }
        if let max = budget.maxCostUSD, cost > max, fire(.budget, "cost") {
            return Finding(
                rule: .budget, runID: run, subject: "cost",
                detail: "cost \(UIFormat.cost(cost)), over the budget of \(UIFormat.cost(max))", at: at)
        }
        return nil
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
