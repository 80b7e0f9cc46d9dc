extension Grid {
    /// Writes `text` at (`x`, `y`) in `style` and returns how many columns it advanced.
    ///
    /// Clipping is by display width: nothing is written at or past `x + maxWidth` or the
    /// grid's right edge, and a wide character that would straddle that limit becomes a
    /// single space. Control characters never reach a cell: a tab becomes a space and
    /// other controls their visible Control Pictures (␛ for ESC), so a hostile or binary
    /// payload can neither move the cursor nor change the terminal's mode. A grapheme of
    /// zero width on its own (a stray combining mark or a bidi control) is dropped.
    @discardableResult
    package mutating func put(
        _ text: String,
        x: Int,
        y: Int,
        style: CellStyle = .plain,
        maxWidth: Int? = nil
    ) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = maxWidth.map { x + max(0, min($0, width)) } ?? width
        let end = min(limit, width)
        var column = x
        for character in text {
            guard column < end else { break }
            let (grapheme, cellWidth) = Grid.sanitized(character)
            if cellWidth == 0 { continue }
            if column + cellWidth > end {
                if column >= 0 { place(Cell(" ", style: style), wide: false, x: column, y: y) }
                column += 1
                break
            }
            if column < 0 {
                // Clipped on the left: a wide character straddling column 0 leaves a blank.
                if column + cellWidth > 0 { place(Cell(" ", style: style), wide: false, x: 0, y: y) }
                column += cellWidth
                continue
            }
            place(Cell(grapheme, style: style), wide: cellWidth == 2, x: column, y: y)
            column += cellWidth
        }
        return column - x
    }

    /// Blanks every cell of `rect` (clipped to the grid) in `style`, then a wide character
    /// cut by the rectangle's edge loses its other half too.
    package mutating func fill(rect: Rect, style: CellStyle) {
        let area = rect.intersection(bounds)
        for row in area.y..<area.maxY {
            for column in area.x..<area.maxX {
                place(.blank(style), wide: false, x: column, y: row)
            }
        }
    }

    /// Replaces the style of every cell in `rect` but keeps the text, for highlighting a
    /// selected row after it was drawn.
    package mutating func restyle(rect: Rect, style: CellStyle) {
        let area = rect.intersection(bounds)
        for row in area.y..<area.maxY {
            for column in area.x..<area.maxX {
                cells[row * width + column].style = style
            }
        }
    }

    /// Sets one cell (and its continuation), first repairing any wide character that the
    /// write cuts in half.
    mutating func place(_ cell: Cell, wide: Bool, x: Int, y: Int) {
        breakOverlap(x: x, y: y)
        if wide { breakOverlap(x: x + 1, y: y) }
        cells[y * width + x] = cell
        if wide { cells[y * width + x + 1] = .continuation(cell.style) }
    }

    /// Before (`x`, `y`) is overwritten: blanks the other half of a wide character there.
    private mutating func breakOverlap(x: Int, y: Int) {
        let index = y * width + x
        if cells[index].isContinuation, x > 0 {
            cells[index - 1] = .blank(cells[index - 1].style)
        }
        if x + 1 < width, cells[index + 1].isContinuation {
            cells[index + 1] = .blank(cells[index + 1].style)
        }
    }

    /// The text a cell may hold for `character`, and its width in cells.
    static func sanitized(_ character: Character) -> (String, Int) {
        guard let base = character.unicodeScalars.first else { return ("", 0) }
        guard base.properties.generalCategory == .control else {
            return (String(character), DisplayWidth.of(character))
        }
        switch base.value {
        case 0x09:
            return (" ", 1)
        case 0x00..<0x20:
            return (String(Character(Unicode.Scalar(0x2400 + base.value)!)), 1)
        case 0x7F:
            return ("\u{2421}", 1)
        default:
            return ("\u{FFFD}", 1)
        }
    }
}
