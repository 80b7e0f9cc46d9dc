import CharmTelemetry

extension MonitorModel {
    /// Replaces the detectors' thresholds (what they remember of each run stays).
    package mutating func setRules(_ rules: DetectorRules) {
        detectors.rules = rules
    }

    /// Records a finding at `at` (when the monitor received what made it fire, like every
    /// entry of the errors pane): counted, kept in `findings`, marked on its run, and listed
    /// in the errors pane as a `finding` entry linked to its run (and call).
    mutating func record(_ f: Finding, at: Timestamp) {
        var f = f
        f.at = at
        counters.findings[f.rule, default: 0] += 1
        findings.append(f)
        if let i = runs.index(forKey: f.runID) { updateRun(i) { $0.findingRules.insert(f.rule) } }
        // Listed with the errors, counted apart from them (`counters.findings`).
        appendError(MonitorErrorEntry(at: f.at, kind: .finding, runID: f.runID, callID: f.callID, message: "\(f.rule.rawValue): \(f.detail)"))
    }

    /// The time-based rules at `now` (calls open too long, token streams gone quiet), over
    /// the runs that have a call open or a stream going. The front end calls it about once
    /// a second, headless mode periodically and once at the end.
    package mutating func checkDetectors(now: Timestamp) {
        guard !detectors.watched.isEmpty else { return }
        // Taken out while it works, so reading the runs beside it copies neither.
        var d = detectors
        detectors = Detectors(rules: d.rules)
        let found = d.check(now: now, run: { runs[$0] }, p95: { toolStats[statsKey($0)]?.p95Seconds })
        detectors = d
        guard !found.isEmpty else { return }
        generation &+= 1
        for f in found { record(f, at: now) }
    }

    /// Whether any of `rules` fired.
    package func anyFinding(of rules: Set<DetectorRule>) -> Bool {
        rules.contains { (counters.findings[$0] ?? 0) > 0 }
    }
}
