/// One step of a diff of two sequences: an element both keep, or a stretch the diff changed
/// (elements removed from the old sequence, inserted into the new one; either may be empty).
enum DiffHunk: Hashable, Sendable {
    /// `old[old]` and `new[new]` are the same element.
    case same(old: Int, new: Int)
    /// `old[old]` was removed and `new[new]` inserted, at this place.
    case changed(old: Range<Int>, new: Range<Int>)

    /// The most elements, both sides together, of the stretch between a common start and a
    /// common end that is diffed. Myers' algorithm takes time in proportion to that size times
    /// the number of differences: two 10,000-call runs with nothing in common took 7 s, which
    /// a key press must never cost. A longer stretch is reported as one change (the alignment
    /// then pairs its calls by name), which about 0.3 s of diffing at this size stays under.
    static let maxDiffedElements = 4_000

    /// The diff of `old` against `new` as steps in the order of both: the common start and
    /// end as they are, and between them the standard library's `CollectionDifference`
    /// (Myers), read as the elements kept between its changes.
    static func hunks<Element: Hashable>(from old: [Element], to new: [Element]) -> [DiffHunk] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        var hunks = (0..<prefix).map { DiffHunk.same(old: $0, new: $0) }
        let oldMiddle = prefix..<(old.count - suffix)
        let newMiddle = prefix..<(new.count - suffix)
        if oldMiddle.count + newMiddle.count > maxDiffedElements {
            hunks.append(.changed(old: oldMiddle, new: newMiddle))
        } else if !oldMiddle.isEmpty || !newMiddle.isEmpty {
            hunks += middle(Array(old[oldMiddle]), Array(new[newMiddle])).map { $0.shifted(old: prefix, new: prefix) }
        }
        hunks += (0..<suffix).map { DiffHunk.same(old: old.count - suffix + $0, new: new.count - suffix + $0) }
        return hunks
    }

    /// The steps of a whole (small enough) diff, by Myers.
    private static func middle<Element: Hashable>(_ old: [Element], _ new: [Element]) -> [DiffHunk] {
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in new.difference(from: old) {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var hunks: [DiffHunk] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            var oi = i
            while oi < old.count, removed.contains(oi) { oi += 1 }
            var nj = j
            while nj < new.count, inserted.contains(nj) { nj += 1 }
            if oi == i && nj == j {
                // Outside the changes both sides hold the same element, in step; a side that
                // ran out first (which a correct difference never leaves) ends as changed.
                guard i < old.count && j < new.count else {
                    hunks.append(.changed(old: i..<old.count, new: j..<new.count))
                    break
                }
                hunks.append(.same(old: i, new: j))
                i += 1
                j += 1
            } else {
                hunks.append(.changed(old: i..<oi, new: j..<nj))
                i = oi
                j = nj
            }
        }
        return hunks
    }

    /// The step with its positions moved by `old` and `new`.
    private func shifted(old a: Int, new b: Int) -> DiffHunk {
        switch self {
        case .same(let i, let j): .same(old: i + a, new: j + b)
        case .changed(let o, let n): .changed(old: (o.lowerBound + a)..<(o.upperBound + a), new: (n.lowerBound + b)..<(n.upperBound + b))
        }
    }
}
