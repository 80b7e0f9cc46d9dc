/// A line diff of two texts for the compare view's Enter: each side pretty-printed as the
/// detail view shows it (JSON as indented lines, other text as its own lines), then diffed
/// line by line with the standard library's `CollectionDifference` (Myers), removals of a
/// changed stretch before its insertions as in a unified diff.
package enum LineDiff {
    /// One line of a diff.
    package struct Line: Hashable, Sendable {
        /// Whether the line is in both texts, only the old one or only the new one.
        package enum Change: String, Hashable, Sendable {
            /// In both.
            case same
            /// Only in the old (left) text.
            case removed
            /// Only in the new (right) text.
            case added
        }

        /// Its change.
        package var change: Change
        /// The line, styled as the detail view would show it.
        package var line: StyledLine

        /// A line.
        package init(_ change: Change, _ line: StyledLine) {
            self.change = change
            self.line = line
        }

        /// `- `, `+ ` or two spaces, then the text: the plain form of a unified diff.
        package var plain: String {
            switch change {
            case .same: "  " + line.text
            case .removed: "- " + line.text
            case .added: "+ " + line.text
            }
        }
    }

    /// The diff of `old` against `new` as the detail view would show each.
    package static func lines(old: String, new: String) -> [Line] {
        lines(old: DetailPane.body(old), new: DetailPane.body(new))
    }

    /// The diff of two lists of styled lines, compared by their text.
    package static func lines(old: [StyledLine], new: [StyledLine]) -> [Line] {
        let difference = new.map(\.text).difference(from: old.map(\.text))
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var out: [Line] = []
        out.reserveCapacity(max(old.count, new.count))
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            var changed = false
            while i < old.count, removed.contains(i) {
                out.append(Line(.removed, old[i]))
                i += 1
                changed = true
            }
            while j < new.count, inserted.contains(j) {
                out.append(Line(.added, new[j]))
                j += 1
                changed = true
            }
            guard !changed else { continue }
            if i < old.count && j < new.count {
                out.append(Line(.same, new[j]))
                i += 1
                j += 1
            } else if i < old.count {
                out.append(Line(.removed, old[i]))
                i += 1
            } else {
                out.append(Line(.added, new[j]))
                j += 1
            }
        }
        return out
    }
}
