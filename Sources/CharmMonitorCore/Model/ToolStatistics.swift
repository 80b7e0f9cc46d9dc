import CharmTelemetry
import DequeModule
import Histogram

/// One of a tool's calls, by where it lives: its run and call id (the call itself is looked
/// up in the run when shown, so this costs two strings however large the call).
package struct ToolCallRef: Sendable, Hashable {
    /// The run.
    package var runID: String
    /// The call within it.
    package var callID: String
}

/// What is known of one tool across every run seen, evicted runs included: calls, errors
/// and the distribution of durations of the calls that ended.
package struct ToolStats: Sendable {
    /// The most recent calls remembered per tool, for the tools view's call list.
    package static let recentCallLimit = 200

    /// The tool's name.
    package let name: String
    /// Calls started (or, when the start was never seen, ended).
    package internal(set) var calls = 0
    /// Calls that ended with an error.
    package internal(set) var errors = 0
    /// Calls that ended, with an error or not.
    package internal(set) var ended = 0
    /// Calls that ended whose start was seen: those the durations are of.
    package internal(set) var timed = 0
    /// The longest duration of a call that ended, in microseconds.
    package internal(set) var maxMicros: UInt64 = 0
    /// The median duration, in microseconds, as of the last refresh (see `refresh`).
    package internal(set) var p50Micros: UInt64 = 0
    /// The 95th percentile of durations, in microseconds, as of the last refresh.
    package internal(set) var p95Micros: UInt64 = 0
    /// The most recent calls, oldest first (at most `recentCallLimit`).
    package internal(set) var recent: Deque<ToolCallRef> = []
    /// Durations of ended calls in microseconds; 3 significant digits (0.1%: 2 digits made
    /// four calls of 200 ms a p50 of "201ms") and resized as longer calls come, so a tool
    /// costs some 30-60 KiB for calls of up to a minute.
    private var durations = Histogram<UInt32>(numberOfSignificantValueDigits: .three)
    /// `ended` when the percentiles were last computed.
    private var refreshedAt = 0

    /// No calls yet.
    package init(name: String) { self.name = name }

    /// Errors over calls that ended (0 when none ended).
    package var errorRate: Double { ended == 0 ? 0 : Double(errors) / Double(ended) }

    /// The 95th percentile in seconds, `nil` before any timed call ended.
    package var p95Seconds: Double? { timed == 0 ? nil : Double(p95Micros) / 1_000_000 }

    /// The figures as JSON: `{"tool", "calls", "errors", "ended", "error_rate", "p50_ms",
    /// "p95_ms", "max_ms"}` (durations null before a timed call ended).
    package var json: JSONValue {
        func ms(_ micros: UInt64) -> JSONValue { timed == 0 ? .null : .double(Double(micros) / 1_000) }
        return .object([
            "tool": .string(name), "calls": .int(Int64(calls)), "errors": .int(Int64(errors)), "ended": .int(Int64(ended)),
            "error_rate": .double(errorRate), "p50_ms": ms(p50Micros), "p95_ms": ms(p95Micros), "max_ms": ms(maxMicros),
        ])
    }

    /// Counts a call that started.
    mutating func started(_ ref: ToolCallRef) {
        calls += 1
        recent.append(ref)
        if recent.count > ToolStats.recentCallLimit { recent.removeFirst() }
    }

    /// Counts a call that ended after `seconds` (`nil`: its start was never seen), failed or not.
    mutating func ended(seconds: Double?, failed: Bool) {
        ended += 1
        if failed { errors += 1 }
        guard let seconds else { return }
        timed += 1
        let micros = UInt64(max(0, min(seconds, 86_400 * 365)) * 1_000_000)
        durations.record(micros)
        maxMicros = max(maxMicros, micros)
        refresh()
    }

    /// Recomputes the percentiles: after every call for the first 256, then each time the
    /// count grew by a 64th since the last time. A percentile costs a walk over the
    /// histogram's buckets (a few thousand), so this keeps it amortised O(1) per call while
    /// the figures stay within a few calls of exact.
    private mutating func refresh() {
        guard timed <= 256 || timed - refreshedAt >= timed / 64 else { return }
        refreshedAt = timed
        p50Micros = durations.valueAtPercentile(50)
        p95Micros = durations.valueAtPercentile(95)
    }
}

extension MonitorModel {
    /// The most tool names given statistics of their own; calls of further names are
    /// counted under `otherToolsName`, so a stream of unique names cannot grow memory.
    package static let maxToolNames = 500
    /// Where calls of tools beyond `maxToolNames` are counted.
    package static let otherToolsName = "(other tools)"

    /// Statistics of every tool seen, in no order.
    package var toolStatistics: [ToolStats] { Array(toolStats.values) }

    /// The name `name`'s calls are counted under.
    func statsKey(_ name: String) -> String {
        toolStats.index(forKey: name) != nil || toolStats.count < MonitorModel.maxToolNames ? name : MonitorModel.otherToolsName
    }

    /// Counts a call of `name` that started.
    mutating func noteToolStarted(_ name: String, run: String, call: String) {
        let key = statsKey(name)
        if let i = toolStats.index(forKey: key) {
            toolStats.values[i].started(ToolCallRef(runID: run, callID: call))
        } else {
            var s = ToolStats(name: key)
            s.started(ToolCallRef(runID: run, callID: call))
            toolStats[key] = s
        }
    }

    /// Counts a call of `name` that ended after `seconds` (`nil`: start unseen); returns the tool's p95 in seconds
    /// as it was before this call counted (`nil` when no call of it had ended).
    @discardableResult
    mutating func noteToolEnded(_ name: String, seconds: Double?, failed: Bool) -> Double? {
        let key = statsKey(name)
        guard let i = toolStats.index(forKey: key) else { return nil }
        let before = toolStats.values[i].p95Seconds
        toolStats.values[i].ended(seconds: seconds, failed: failed)
        return before
    }
}
