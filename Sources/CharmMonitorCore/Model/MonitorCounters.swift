import CharmTelemetry

/// Totals since the monitor started; never reset by eviction.
package struct MonitorCounters: Sendable, Hashable {
    /// Valid events of any type (an unknown type is still valid).
    package var events = 0
    /// Hook events applied (parsed telemetry and legacy-rebuilt ones).
    package var hookEvents = 0
    /// Lines that claimed to be events but were not.
    package var malformed = 0
    /// Non-empty lines that were neither events nor claims of one.
    package var rawLines = 0
    /// Log lines made from log records received over OTLP (GenAI events and plain records).
    package var otlpLogLines = 0
    /// Lines skipped for being longer than the decoder's limit.
    package var oversized = 0
    /// Records lost before reaching the model (a source's full inbox).
    package var dropped = 0
    /// Runs evicted by `RetentionLimits.maxRuns`.
    package var evictedRuns = 0
    /// Tool calls evicted by `RetentionLimits.maxToolCallsPerRun`.
    package var evictedToolCalls = 0
    /// Bytes of token text dropped by `RetentionLimits.maxTextBytesPerRun`.
    package var evictedTextBytes = 0
    /// Errors recorded (including those no longer kept).
    package var errors = 0
    /// Findings by rule, every one that fired (the list keeps the newest).
    package var findings: [DetectorRule: Int] = [:]

    /// Findings of every rule.
    package var findingsTotal: Int { findings.values.reduce(0, +) }

    /// All zero.
    package init() {}
}

/// Events per second over a sliding window of whole seconds, in O(1) per event.
///
/// Counts go into one bucket per second of receive time; the rate is the sum of the buckets
/// in the window divided by its length, so a burst fades out smoothly instead of jumping.
package struct RateWindow: Sendable, Hashable {
    /// The window's length in seconds.
    package let seconds: Int
    private var buckets: [Int]
    private var bucketSecond: [Int64]

    /// A window of `seconds` seconds (at least 1).
    package init(seconds: Int = 5) {
        self.seconds = max(1, seconds)
        buckets = Array(repeating: 0, count: self.seconds)
        bucketSecond = Array(repeating: Int64.min, count: self.seconds)
    }

    /// Counts `n` events at `at`.
    package mutating func add(_ n: Int = 1, at: Timestamp) {
        let s = at.microseconds / 1_000_000
        let i = Int(UInt64(bitPattern: s) % UInt64(seconds))
        if bucketSecond[i] != s {
            bucketSecond[i] = s
            buckets[i] = 0
        }
        buckets[i] += n
    }

    /// Events per second over the window ending at `now`.
    package func rate(now: Timestamp) -> Double {
        let s = now.microseconds / 1_000_000
        var total = 0
        for i in 0..<seconds where bucketSecond[i] > s - Int64(seconds) && bucketSecond[i] <= s {
            total += buckets[i]
        }
        return Double(total) / Double(seconds)
    }
}
