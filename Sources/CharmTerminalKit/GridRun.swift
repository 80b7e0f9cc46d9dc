/// A horizontal run of changed cells sharing one style: one unit of terminal output.
package struct GridRun: Hashable, Sendable {
    /// Row of the run.
    package var y: Int
    /// Column of the run's first cell, which is never a continuation cell.
    package var x: Int
    /// The style every cell of the run has.
    package var style: CellStyle
    /// The cells, continuation cells included, so `cells.count` is the run's width.
    package var cells: [Cell]

    /// Creates a run.
    package init(y: Int, x: Int, style: CellStyle, cells: [Cell]) {
        self.y = y
        self.x = x
        self.style = style
        self.cells = cells
    }

    /// The run's text without continuation cells: what to write at (`x`, `y`).
    package var text: String {
        cells.lazy.filter { !$0.isContinuation }.map(\.grapheme).joined()
    }
}
