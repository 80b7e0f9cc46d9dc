/// The detectors' thresholds: charm.yaml's `monitor.rules` or a `--rules` file (same shape,
/// see docs/monitor.md "Rules"); anything not given keeps its default.
package struct DetectorRules: Sendable, Hashable {
    /// **loop**: one run calls the same tool with the same input `repeats` times, or its
    /// latest calls repeat a cycle of tool names back to back.
    package struct Loop: Sendable, Hashable {
        /// Whether the rule runs.
        package var enabled = true
        /// Calls of one tool with one input in one run that make a loop (0: this half off).
        package var repeats = 3
        /// Back-to-back repetitions of a cycle of 2 to `maxCycle` tool names that make a
        /// loop (0: this half off).
        package var cycleRepeats = 3
        /// The longest cycle looked for (2 to 8).
        package var maxCycle = 4
        /// The defaults.
        package init() {}
    }

    /// **stall**: a tool call running past max(`toolP95Factor` × the tool's p95,
    /// `toolSeconds`); a run streaming tokens that has had none for `tokenGapSeconds`.
    package struct Stall: Sendable, Hashable {
        /// Whether the rule runs.
        package var enabled = true
        /// The least a call may run before it is stalled, in seconds.
        package var toolSeconds = 30.0
        /// How many times the tool's p95 a call may run.
        package var toolP95Factor = 3.0
        /// Seconds without a token that stall a streaming run.
        package var tokenGapSeconds = 10.0
        /// The defaults.
        package init() {}

        /// How long a call of a tool whose p95 is `p95` (seconds; `nil` before any call of
        /// it ended) may run.
        package func toolLimit(p95: Double?) -> Double { max(toolSeconds, toolP95Factor * (p95 ?? 0)) }
    }

    /// **error_storm**: `errors` errors in one run within `windowSeconds`.
    package struct ErrorStorm: Sendable, Hashable {
        /// Whether the rule runs.
        package var enabled = true
        /// Errors that make a storm.
        package var errors = 5
        /// The window they must fall in, in seconds.
        package var windowSeconds = 10.0
        /// The defaults.
        package init() {}
    }

    /// **budget**: a run's tokens or cost over a limit; off while neither is set.
    package struct Budget: Sendable, Hashable {
        /// The most tokens a run may use: its LLM calls' input + output tokens, or, for a
        /// run whose calls report none, its streamed tokens.
        package var maxTokens: Int?
        /// The most a run's priced LLM calls may cost, in US dollars.
        package var maxCostUSD: Double?
        /// Off.
        package init() {}
    }

    /// The loop rule.
    package var loop = Loop()
    /// The stall rule.
    package var stall = Stall()
    /// The error-storm rule.
    package var errorStorm = ErrorStorm()
    /// The budget rule.
    package var budget = Budget()

    /// The defaults.
    package init() {}

    /// The defaults (docs/monitor.md "Rules").
    package static let standard = DetectorRules()
}

/// A detector's name, as findings, `--fail-on` and the rules file spell it.
package enum DetectorRule: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The same call again and again, or a cycle of calls.
    case loop
    /// A call or a token stream that stopped moving.
    case stall
    /// Many errors in a short time.
    case errorStorm = "error_storm"
    /// Tokens or cost over a limit.
    case budget

    /// The rule `--fail-on` names: `error` (the word) or `error_storm` for the
    /// storm, the others by their names.
    package init?(failOnName name: String) {
        if name == "error" { self = .errorStorm } else { self.init(rawValue: name) }
    }

    package static func < (a: DetectorRule, b: DetectorRule) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
