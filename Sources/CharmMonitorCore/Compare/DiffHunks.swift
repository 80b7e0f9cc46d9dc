/// One step of a diff of two sequences: an element both keep, or a stretch the diff changed
/// (elements removed from the old sequence, inserted into the new one; either may be empty).
enum DiffHunk: Hashable, Sendable {
    /// `old[old]` and `new[new]` are the same element.
    case same(old: Int, new: Int)
    /// `old[old]` was removed and `new[new]` inserted, at this place.
    case changed(old: Range<Int>, new: Range<Int>)

    /// The diff of `old` against `new` as steps in the order of both: the standard library's
    /// `CollectionDifference` (Myers), read as the elements kept between its changes.
    static func hunks<Element: Hashable>(from old: [Element], to new: [Element]) -> [DiffHunk] {
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
}
