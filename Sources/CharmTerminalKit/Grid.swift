/// A screenful of styled cells: what a view draws into and what the terminal shows.
///
/// Invariant: a wide character's lead cell is always followed by its continuation cell
/// and a continuation cell always follows a lead. Every mutation repairs broken halves,
/// so callers can overwrite anything anywhere without corrupting the screen.
package struct Grid: Hashable, Sendable {
    /// Columns.
    package let width: Int
    /// Rows.
    package let height: Int
    /// The cells, row by row.
    package internal(set) var cells: [Cell]

    /// Creates a grid filled with `fill`; negative sizes become 0. A continuation or wide
    /// fill cell would break the invariant, so it becomes a blank of the same style.
    package init(width: Int, height: Int, fill: Cell = .blank()) {
        self.width = max(0, width)
        self.height = max(0, height)
        var filler = fill
        if filler.isContinuation || DisplayWidth.of(filler.grapheme) != 1 {
            filler = .blank(fill.style)
        }
        cells = Array(repeating: filler, count: self.width * self.height)
    }

    /// The whole grid as a rectangle, for layout.
    package var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at column `x`, row `y`; both must be inside the grid.
    package subscript(x x: Int, y y: Int) -> Cell {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "cell (\(x), \(y)) outside \(width)x\(height)")
        return cells[y * width + x]
    }

    /// Each row as plain text, for tests and logs. Continuation cells are left out, so a
    /// row of CJK reads as written; trailing blanks are kept so columns stay countable.
    package func lines() -> [String] {
        (0..<height).map { row in
            var line = ""
            for cell in cells[row * width..<(row + 1) * width] where !cell.isContinuation {
                line += cell.grapheme
            }
            return line
        }
    }

    /// The rows as plain text joined with newlines.
    package var text: String { lines().joined(separator: "\n") }
}
