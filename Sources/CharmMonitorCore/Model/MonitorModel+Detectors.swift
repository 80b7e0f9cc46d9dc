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
        guard !detectors.watched.isEmpty, detectors.rules.stall.enabled else { return }
        let rules = detectors.rules
        var found: [Finding] = []
        for id in detectors.watched.sorted() {
            guard let ri = runs.index(forKey: id) else {
                detectors.watched.remove(id)
                continue
            }
            let open = openCalls(ri, now: now)
            updateRun(ri) { r in
                for c in open {
                    if let f = r.watch.toolStall(
                        rules, run: id, callID: c.callID, name: c.name, seconds: c.seconds, p95: c.p95, at: now, ended: false)
                    {
                        found.append(f)
                    }
                }
                if let f = r.watch.quietStream(rules, run: id, now: now) { found.append(f) }
            }
        }
        guard !found.isEmpty else { return }
        generation &+= 1
        for f in found { record(f, at: now) }
    }

    /// What each open call of the run at `ri` has run at `now`, and its tool's p95: read in
    /// a function of its own, so no copy of the run outlives the reading (a live copy would
    /// make the update that follows copy what it changes).
    private func openCalls(_ ri: [String: MonitorRun].Index, now: Timestamp)
        -> [(callID: String, name: String, seconds: Double, p95: Double?)]
    {
        let r = runs.values[ri]
        return r.openCalls.map { abs in
            let call = r.toolCalls[abs - r.evictedToolCalls]
            return (call.callID, call.toolName, now.seconds(since: call.start), toolStats[statsKey(call.toolName)]?.p95Seconds)
        }
    }

    /// Whether any of `rules` fired.
    package func anyFinding(of rules: Set<DetectorRule>) -> Bool {
        rules.contains { (counters.findings[$0] ?? 0) > 0 }
    }
}
