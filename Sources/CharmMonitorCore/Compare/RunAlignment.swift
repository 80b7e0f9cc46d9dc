/// How two runs' calls line up: a diff of their call sequences keyed by kind, name and
/// input (the standard library's `CollectionDifference`, Myers' algorithm), in which a call
/// removed and a call inserted in the same place with the same tool (or model) are paired
/// as one step whose input changed, so a view can show them side by side. Pure: built from
/// two `ComparableRun` values, wherever they came from.
package struct RunAlignment: Sendable, Hashable {
    /// The left run (the marked one in the monitor, `RUN_A` of `charm-monitor diff`).
    package let left: ComparableRun
    /// The right run.
    package let right: ComparableRun
    /// The aligned rows, in the order of both runs.
    package let rows: [AlignedRow]
    /// The first row that is not `same`, or is `same` with a different status; `nil` when
    /// the runs made the same calls with the same outcomes.
    package let firstDivergence: Int?

    /// Aligns `left` with `right`.
    package init(left: ComparableRun, right: ComparableRun) {
        self.left = left
        self.right = right
        rows = RunAlignment.align(left.calls, right.calls)
        firstDivergence = rows.firstIndex(where: \.diverges)
    }

    /// Rows of each relation.
    package func count(_ relation: AlignedRow.Relation) -> Int { rows.lazy.filter { $0.relation == relation }.count }

    /// Why the first divergence diverges, in words ("input changed", "status ok → error"…).
    package var firstDivergenceReason: String? { firstDivergence.map { rows[$0].reason } }

    // MARK: Alignment

    /// The rows of `l` against `r`: matched calls as `same`, then each stretch the diff
    /// removed from `l` and inserted into `r` with its calls of one name paired as `changed`.
    static func align(_ l: [ComparableCall], _ r: [ComparableCall]) -> [AlignedRow] {
        var rows: [AlignedRow] = []
        rows.reserveCapacity(max(l.count, r.count))
        for hunk in DiffHunk.hunks(from: l.map(\.alignmentKey), to: r.map(\.alignmentKey)) {
            switch hunk {
            case .same(let i, let j): rows.append(AlignedRow(.same, l, i, r, j))
            case .changed(let lRange, let rRange): pair(l, lRange, r, rRange, into: &rows)
            }
        }
        return rows
    }

    /// One changed stretch: each removed call is paired with the next inserted call of the
    /// same kind and name (in order, so neither side is reordered); the inserted calls passed
    /// over and the removed calls with no partner stand alone. A pair with the same input (only
    /// in a stretch too long to diff, see `DiffHunk.maxDiffedElements`) is `same`. Linear: each
    /// name's inserted calls are a queue its removed calls take from.
    private static func pair(
        _ l: [ComparableCall], _ lRange: Range<Int>, _ r: [ComparableCall], _ rRange: Range<Int>,
        into rows: inout [AlignedRow]
    ) {
        struct Name: Hashable {
            var kind: ComparableCall.Kind
            var name: String
        }
        var queues: [Name: (indices: [Int], head: Int)] = [:]
        for rj in rRange { queues[Name(kind: r[rj].kind, name: r[rj].name), default: ([], 0)].indices.append(rj) }
        var next = rRange.lowerBound
        for li in lRange {
            let name = Name(kind: l[li].kind, name: l[li].name)
            var partner: Int?
            if var queue = queues[name] {
                // Calls passed over (before `next`) are no longer partners.
                while queue.head < queue.indices.count, queue.indices[queue.head] < next { queue.head += 1 }
                if queue.head < queue.indices.count {
                    partner = queue.indices[queue.head]
                    queue.head += 1
                }
                queues[name] = queue
            }
            guard let rj = partner else {
                rows.append(AlignedRow(.onlyLeft, l, li, r, nil))
                continue
            }
            for k in next..<rj { rows.append(AlignedRow(.onlyRight, l, nil, r, k)) }
            rows.append(AlignedRow(l[li].alignmentKey == r[rj].alignmentKey ? .same : .changed, l, li, r, rj))
            next = rj + 1
        }
        for k in next..<rRange.upperBound { rows.append(AlignedRow(.onlyRight, l, nil, r, k)) }
    }
}

/// One row of an alignment: a call of the left run, of the right run, or of both, and how
/// they differ.
package struct AlignedRow: Sendable, Hashable {
    /// How the two sides relate.
    package enum Relation: String, Sendable, Hashable, CaseIterable {
        /// The same kind, name and input on both sides.
        case same
        /// The same tool (or model) on both sides, called with a different input.
        case changed = "changed_input"
        /// A call only the left run made.
        case onlyLeft = "only_left"
        /// A call only the right run made.
        case onlyRight = "only_right"
    }

    /// How the sides relate.
    package let relation: Relation
    /// The left run's call, unless `onlyRight`.
    package let left: ComparableCall?
    /// The right run's call, unless `onlyLeft`.
    package let right: ComparableCall?
    /// The left call's position in its run (0-based).
    package let leftIndex: Int?
    /// The right call's position in its run (0-based).
    package let rightIndex: Int?

    init(_ relation: Relation, _ l: [ComparableCall], _ li: Int?, _ r: [ComparableCall], _ rj: Int?) {
        self.relation = relation
        leftIndex = li
        rightIndex = rj
        left = li.map { l[$0] }
        right = rj.map { r[$0] }
    }

    /// A row with every field given (tests, other front ends).
    package init(relation: Relation, left: ComparableCall?, right: ComparableCall?, leftIndex: Int?, rightIndex: Int?) {
        self.relation = relation
        self.left = left
        self.right = right
        self.leftIndex = leftIndex
        self.rightIndex = rightIndex
    }

    /// Both sides present and their statuses differ.
    package var statusDiffers: Bool {
        guard let left, let right else { return false }
        return left.status != right.status
    }

    /// Both sides present and their outputs (or errors) differ.
    package var outputDiffers: Bool {
        guard let left, let right else { return false }
        return ComparableCall.canonical(left.output ?? "") != ComparableCall.canonical(right.output ?? "")
            || left.error != right.error
    }

    /// Right minus left duration in seconds, when both ended.
    package var durationDelta: Double? {
        guard let l = left?.duration, let r = right?.duration else { return nil }
        return r - l
    }

    /// Right minus left tokens, when both reported some.
    package var tokensDelta: Int? {
        guard let l = left?.tokens, let r = right?.tokens else { return nil }
        return r - l
    }

    /// Whether the runs part ways here: the calls differ, or the same call ended differently.
    package var diverges: Bool { relation != .same || statusDiffers }

    /// The row's difference in words.
    package var reason: String {
        switch relation {
        case .same:
            if statusDiffers, let l = left, let r = right { return "status \(l.status.rawValue) → \(r.status.rawValue)" }
            return outputDiffers ? "same call, different output" : "same"
        case .changed:
            guard statusDiffers, let l = left, let r = right else { return "input changed" }
            return "input changed, status \(l.status.rawValue) → \(r.status.rawValue)"
        case .onlyLeft: return "only in the left run"
        case .onlyRight: return "only in the right run"
        }
    }

    /// The tool's or model's name (either side's: they share it unless only one side has a call).
    package var name: String { left?.name ?? right?.name ?? "" }
}
