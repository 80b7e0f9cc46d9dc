/// One terminal cell. A character two cells wide lives in the left cell; the right one is
/// a continuation cell, so that column arithmetic stays a plain index.
package struct Cell: Hashable, Sendable {
    /// The grapheme cluster shown here; empty in a continuation cell.
    package var grapheme: String
    /// How the cell looks.
    package var style: CellStyle
    /// True for the right half of a wide character: the terminal draws nothing for it.
    package var isContinuation: Bool

    /// Creates a cell holding one grapheme cluster.
    package init(_ grapheme: String, style: CellStyle = .plain) {
        self.grapheme = grapheme
        self.style = style
        self.isContinuation = false
    }

    /// A blank cell in `style`.
    package static func blank(_ style: CellStyle = .plain) -> Cell {
        Cell(" ", style: style)
    }

    /// The right half of a wide character drawn in `style`.
    package static func continuation(_ style: CellStyle) -> Cell {
        var cell = Cell("", style: style)
        cell.isContinuation = true
        return cell
    }
}
