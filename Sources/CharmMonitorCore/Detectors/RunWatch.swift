import CharmTelemetry
import DequeModule

/// What the detectors remember of one run (kept in the run: `MonitorRun.watch`): bounded,
/// whatever the run does, so each event costs O(1) amortised.
struct RunWatch: Sendable, Hashable {
    /// The most distinct (tool, input) pairs counted; past it the counts start afresh (a run
    /// with that many different calls is not repeating one).
    static let maxDistinctCalls = 4_096
    /// The most findings one run may have; past it they are counted, not recorded.
    static let maxFindings = 64

    /// Calls so far by a hash of (tool name, input).
    var callCounts: [Int: Int] = [:]
    /// The latest tool names, oldest first (at most the longest cycle looked for).
    var names: Deque<String> = []
    /// For each cycle length L (the index), how many calls in a row ended a name equal to
    /// the name L calls before it.
    var periodic: [Int] = []
    /// Times of the latest errors, oldest first (at most the storm's count).
    var errorTimes: Deque<Timestamp> = []
    /// Whether the run's latest event was a token: a run is streaming until anything else
    /// (a tool call, a model call, its end) comes.
    var streaming = false
    /// The latest token's time.
    var lastTokenAt: Timestamp?
    /// (rule, subject) pairs that fired.
    var fired: Set<String> = []
    /// Findings past `maxFindings`, not recorded.
    var suppressed = 0
    /// Whether the run is in `Detectors.watched` (a call open or a stream going).
    var watched = false

    /// Marks (rule, subject) as fired; false when it already had, or the run has had its fill.
    mutating func fire(_ rule: DetectorRule, _ subject: String) -> Bool {
        let key = rule.rawValue + "\u{1F}" + subject
        guard !fired.contains(key) else { return false }
        guard fired.count < RunWatch.maxFindings else {
            suppressed += 1
            return false
        }
        fired.insert(key)
        return true
    }

    /// Counts a call of `name` with `input`; returns how many such calls the run made.
    mutating func countCall(name: String, input: String) -> Int {
        var h = Hasher()
        h.combine(name)
        h.combine(input)
        let key = h.finalize()
        if callCounts[key] == nil, callCounts.count >= RunWatch.maxDistinctCalls { callCounts.removeAll(keepingCapacity: true) }
        callCounts[key, default: 0] += 1
        return callCounts[key]!
    }

    /// Adds `name` to the sequence of calls; returns the cycle its latest calls repeat
    /// `repeats` times back to back, if that just became true.
    ///
    /// The rule: for a length L from 2 to `maxCycle`, the latest L × `repeats` calls are L
    /// names repeated `repeats` times (every name equals the one L calls before it), the L
    /// names are not all the same, and no shorter period explains them. It fires on the call
    /// that completes the last repetition: A,B,A,B,A,B on the sixth call.
    mutating func addCall(name: String, repeats: Int, maxCycle: Int) -> [String]? {
        guard repeats >= 2 else { return nil }
        if periodic.count != maxCycle + 1 { periodic = Array(repeating: 0, count: maxCycle + 1) }
        var found: [String]?
        for length in 2...maxCycle {
            if names.count >= length, names[names.count - length] == name {
                periodic[length] += 1
            } else {
                periodic[length] = 0
            }
        }
        names.append(name)
        if names.count > maxCycle { names.removeFirst() }
        for length in 2...maxCycle where found == nil && periodic[length] == length * (repeats - 1) {
            let block = Array(names.suffix(length))
            guard Set(block).count > 1, !RunWatch.hasShorterPeriod(block) else { continue }
            found = block
        }
        return found
    }

    /// Whether `block` is a shorter block repeated (A,B,A,B is A,B twice).
    static func hasShorterPeriod(_ block: [String]) -> Bool {
        let n = block.count
        for p in 1..<n where n % p == 0 {
            if (p..<n).allSatisfy({ block[$0] == block[$0 - p] }) { return true }
        }
        return false
    }

    /// Notes an error at `at`; true when the latest `count` errors all fall within `window`
    /// seconds.
    mutating func addError(at: Timestamp, count: Int, window: Double) -> Bool {
        errorTimes.append(at)
        if errorTimes.count > count { errorTimes.removeFirst() }
        guard errorTimes.count >= count, let first = errorTimes.first else { return false }
        return at.seconds(since: first) <= window
    }
}

extension Array where Element == String {
    /// A cycle's name, the same whichever call it was seen to start from: its rotation that
    /// sorts first, joined by arrows ("fetch→search" for search,fetch,search,fetch,…).
    var cycleName: String {
        let rotations = indices.map { Array(self[$0...] + self[..<$0]) }
        let first = rotations.min { $0.lexicographicallyPrecedes($1) } ?? self
        return first.joined(separator: "→")
    }
}
