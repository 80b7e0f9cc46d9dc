/// When an exporter was enabled, as ring positions: an event at position `p` is for the
/// exporter exactly when it was enabled at `p`. Changes are recorded under the ring's producer
/// lock at the next position (`DispatchRing.atNextPosition`), so a toggle falls exactly between
/// two dispatches and costs the producer nothing.
struct EnablementLog: Sendable {
    /// The state before the first change.
    private(set) var initial: Bool
    /// Changes in position order; each holds from its position on.
    private(set) var changes: [(at: UInt64, on: Bool)] = []

    init(enabled: Bool) { initial = enabled }

    /// The state for the next position.
    var current: Bool { changes.last?.on ?? initial }

    /// True when no change lies after `p` (the state is `current` from `p` on).
    func isSettled(after p: UInt64) -> Bool { (changes.last?.at ?? 0) <= p }

    /// Records a change taking effect at position `p` (not before the last change).
    mutating func record(_ on: Bool, at p: UInt64) {
        if let last = changes.last, last.at == p {
            changes.removeLast()
        }
        guard on != current else { return }
        changes.append((p, on))
    }

    /// The state at position `p`.
    func isEnabled(at p: UInt64) -> Bool {
        var state = initial
        for c in changes {
            if c.at > p { break }
            state = c.on
        }
        return state
    }

    /// The ranges within `from..<to` that were enabled, in order.
    func forEachEnabledRange(from: UInt64, to: UInt64, _ body: (Range<UInt64>) -> Void) {
        guard from < to else { return }
        var start = from
        var state = isEnabled(at: from)
        for c in changes where c.at > from {
            if c.at >= to { break }
            if state && start < c.at { body(start..<c.at) }
            start = c.at
            state = c.on
        }
        if state && start < to { body(start..<to) }
    }

    /// How many positions within `from..<to` were enabled.
    func count(from: UInt64, to: UInt64) -> UInt64 {
        var n: UInt64 = 0
        forEachEnabledRange(from: from, to: to) { n &+= UInt64($0.count) }
        return n
    }

    /// Forgets changes at or below `p`, which no reader asks about again.
    mutating func forget(upTo p: UInt64) {
        while let first = changes.first, first.at <= p {
            initial = first.on
            changes.removeFirst()
        }
    }
}
