import CharmTerminalKit
@preconcurrency import CNCursesW
import CNCursesShim

extension Terminal {
    /// Shows `grid`, sending only the cells that changed since the last grid drawn (all of
    /// them after `start`, a resize or a size change), then one `doupdate`.
    ///
    /// Cells are drawn one by one with `setcchar` + `mvwadd_wch`, because ncurses measures
    /// each scalar with `wcwidth`: handing it a whole string would let a ZWJ emoji or a
    /// flag push the rest of the row out of line. A grapheme whose width ncurses would
    /// get wrong is drawn as a stand-in of the right width (a flag as its two letters).
    package func draw(_ grid: Grid) {
        guard let window else { return }
        let (columns, rows) = size
        let previous: Grid
        if needsFullRedraw || lastGrid?.width != grid.width || lastGrid?.height != grid.height {
            _ = werase(window)
            previous = Grid(width: 0, height: 0)
            needsFullRedraw = false
        } else {
            previous = lastGrid ?? Grid(width: 0, height: 0)
        }
        for run in grid.diff(from: previous) where run.y < rows {
            let (attributes, pair) = cursesStyle(for: run.style)
            var column = run.x
            for cell in run.cells {
                defer { column += 1 }
                guard !cell.isContinuation, column < columns, let character = cell.grapheme.first else { continue }
                drawCell(character, x: column, y: run.y, attributes: attributes, pair: pair)
            }
        }
        _ = wnoutrefresh(window)
        _ = doupdate()
        lastGrid = grid
    }

    /// Forgets what is on screen, so the next `draw` repaints everything (after the
    /// screen was disturbed, e.g. by a child process or a suspend).
    package func invalidate() {
        needsFullRedraw = true
        if let window { _ = clearok(window, true) }
    }

    private func drawCell(_ character: Character, x: Int, y: Int, attributes: attr_t, pair: Int32) {
        let width = DisplayWidth.of(character)
        let scalars = Array(character.unicodeScalars)
        let base = scalars[0]
        let cursesWidth = Int(cn_wcwidth(wchar_t(bitPattern: base.value)))
        if cursesWidth == width {
            // The base plus the marks that combine with it; a ZWJ would glue this cell to
            // the next one on some terminals, and the joined emoji cannot be shown anyway.
            let marks = scalars.dropFirst().filter { $0.value != 0x200D && cn_wcwidth(wchar_t(bitPattern: $0.value)) == 0 }
            put([base] + marks.prefix(Int(CCHARW_MAX) - 1), x: x, y: y, attributes: attributes, pair: pair)
        } else if width == 2, scalars.count == 2, scalars.allSatisfy({ (0x1F1E6...0x1F1FF).contains($0.value) }) {
            for (offset, scalar) in scalars.enumerated() {
                let letter = Unicode.Scalar(scalar.value - 0x1F1E6 + 0x41) ?? "?"
                put([letter], x: x + offset, y: y, attributes: attributes, pair: pair)
            }
        } else if width == 2, cursesWidth == 1 {
            // An emoji-presentation sequence (☀️ is U+2600 U+FE0F): ncurses counts the base as
            // one cell and cannot be told otherwise, so draw the base in its text presentation
            // and keep the second cell blank — the symbol stays readable and columns aligned.
            put([base], x: x, y: y, attributes: attributes, pair: pair)
            put([" "], x: x + 1, y: y, attributes: attributes, pair: pair)
        } else {
            put(["\u{FFFD}"], x: x, y: y, attributes: attributes, pair: pair)
            if width == 2 { put([" "], x: x + 1, y: y, attributes: attributes, pair: pair) }
        }
    }

    private func put(_ scalars: [Unicode.Scalar], x: Int, y: Int, attributes: attr_t, pair: Int32) {
        guard let window else { return }
        var text = scalars.map { wchar_t(bitPattern: $0.value) }
        text.append(0)
        var cell = cchar_t()
        var extendedPair = pair
        let shortPair = Int16(clamping: pair)
        _ = setcchar(&cell, text, attributes, shortPair, &extendedPair)
        // ERR in the bottom-right cell only means the cursor could not advance.
        _ = mvwadd_wch(window, Int32(y), Int32(x), &cell)
    }

    /// curses attributes and a colour pair for `style`, allocating the pair on first use.
    func cursesStyle(for style: CellStyle) -> (attr_t, Int32) {
        let adapted = style.adapted(to: colorCapability)
        let attributes = cn_attributes(UInt32(adapted.attributes.rawValue))
        guard colorCapability != .none else { return (attributes, 0) }
        let key = ColorPairKey(fg: colorNumber(adapted.fg), bg: colorNumber(adapted.bg))
        if key.fg == -1, key.bg == -1 { return (attributes, 0) }
        if let pair = pairs[key] { return (attributes, pair) }
        let pair = alloc_pair(key.fg, key.bg)
        guard pair > 0 else { return (attributes, 0) }
        pairs[key] = pair
        return (attributes, pair)
    }

    /// The curses colour number: -1 is the terminal's default (use_default_colors).
    private func colorNumber(_ color: TerminalColor) -> Int32 {
        switch color {
        case .default:
            return -1
        case .ansi(let index):
            let colors = cn_colors()
            if Int32(index) < colors { return Int32(index) }
            // An 8-colour terminal: bright colours fall back to their normal partner.
            return index < 16 ? Int32(index % 8) : Int32(Palette.nearest16(Palette.rgb(of: index)) % 8)
        case .rgb(let r, let g, let b):
            if directColor { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            return Int32(Palette.nearest256((r, g, b)))
        }
    }
}
