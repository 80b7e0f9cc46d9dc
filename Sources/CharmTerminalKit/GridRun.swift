/// A horizontal run of changed cells sharing one style: one unit of terminal output.
public struct GridRun: Hashable, Sendable {
    /// Row of the run.
    public var y: Int
    /// Column of the run's first cell, which is never a continuation cell.
    public var x: Int
    /// The style every cell of the run has.
    public var style: CellStyle
    /// The cells, continuation cells included, so `cells.count` is the run's width.
    public var cells: [Cell]

    /// Creates a run.
    public init(y: Int, x: Int, style: CellStyle, cells: [Cell]) {
        self.y = y
        self.x = x
        self.style = style
        self.cells = cells
    }

    /// The run's text without continuation cells: what to write at (`x`, `y`).
    public var text: String {
        cells.lazy.filter { !$0.isContinuation }.map(\.grapheme).joined()
    }
}
