import CharmTelemetry

/// What a detector found: a rule that fired for a run, once per (rule, run, subject).
package struct Finding: Sendable, Hashable {
    /// The rule that fired.
    package var rule: DetectorRule
    /// The run it fired for.
    package var runID: String
    /// What in the run it is about (a call, a tool and input, a cycle): with the rule and
    /// the run, what makes it fire only once.
    package var subject: String
    /// What was found, in words.
    package var detail: String
    /// The tool call it is about, if one.
    package var callID: String?
    /// When the monitor recorded it: when it received what made the rule fire, or the
    /// time of the check that found it.
    package var at: Timestamp

    /// A finding with every field given.
    package init(rule: DetectorRule, runID: String, subject: String, detail: String, callID: String? = nil, at: Timestamp) {
        self.rule = rule
        self.runID = runID
        self.subject = subject
        self.detail = detail
        self.callID = callID
        self.at = at
    }
}
