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
        var out: [Line] = []
        out.reserveCapacity(max(old.count, new.count))
        for hunk in DiffHunk.hunks(from: old.map(\.text), to: new.map(\.text)) {
            switch hunk {
            case .same(_, let j): out.append(Line(.same, new[j]))
            case .changed(let removed, let inserted):
                out += removed.map { Line(.removed, old[$0]) }
                out += inserted.map { Line(.added, new[$0]) }
            }
        }
        return out
    }
}
