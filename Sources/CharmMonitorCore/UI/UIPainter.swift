import CharmTelemetry
import Foundation

/// What every pane draws with: the grid being drawn, the theme, the UI state (focus and
/// the filter, which every pane marks) and the frame's time, with the drawing helpers the
/// panes share.
struct UIPainter {
    var grid: Grid
    let theme: Theme
    let ui: UIState
    let now: Timestamp
    /// The inside of the pane being drawn: `text` and `rightAligned` never write past it,
    /// whatever column arithmetic a narrow pane leads to.
    var clip = Rect(x: 0, y: 0, width: 0, height: 0)

    init(grid: Grid, theme: Theme, ui: UIState, now: Timestamp) {
        self.grid = grid
        self.theme = theme
        self.ui = ui
        self.now = now
    }

    mutating func drawTooSmall() {
        let message = "terminal too small (\(grid.width)×\(grid.height), need \(UILayout.minimumWidth)×\(UILayout.minimumHeight))"
        let lines = DisplayWidth.wrap(message, width: max(1, grid.width - 2))
        let top = max(0, (grid.height - lines.count) / 2)
        for (offset, line) in lines.enumerated() {
            let x = max(0, (grid.width - DisplayWidth.of(line)) / 2)
            grid.put(line, x: x, y: top + offset, style: theme[.warning], maxWidth: grid.width)
        }
        if top + lines.count + 1 < grid.height {
            let hint = "q quits"
            grid.put(hint, x: max(0, (grid.width - hint.count) / 2), y: top + lines.count + 1, style: theme[.dim])
        }
    }

    // MARK: Primitives

    /// A bordered pane with a title (and an optional note at the right of the top edge).
    /// Returns the inside.
    @discardableResult
    mutating func box(_ rect: Rect, title: String, focused: Bool, note: String = "") -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let border = theme[focused ? .borderFocused : .border]
        let horizontal = String(repeating: "─", count: rect.width - 2)
        grid.put("┌" + horizontal + "┐", x: rect.x, y: rect.y, style: border, maxWidth: rect.width)
        grid.put("└" + horizontal + "┘", x: rect.x, y: rect.maxY - 1, style: border, maxWidth: rect.width)
        for row in (rect.y + 1)..<(rect.maxY - 1) {
            grid.put("│", x: rect.x, y: row, style: border)
            grid.put("│", x: rect.maxX - 1, y: row, style: border)
        }
        clip = rect.inset(by: 1)
        let titleStyle = focused ? theme[.title].adding(.reverse) : theme[.title]
        let titleWidth = grid.put(" \(title) ", x: rect.x + 2, y: rect.y, style: titleStyle, maxWidth: max(0, rect.width - 4))
        if !note.isEmpty {
            let room = rect.width - 4 - titleWidth - 2
            let shown = DisplayWidth.truncate(" \(note) ", to: room)
            if !shown.isEmpty {
                grid.put(shown, x: rect.maxX - 2 - DisplayWidth.of(shown), y: rect.y, style: theme[.dim])
            }
        }
        return rect.inset(by: 1)
    }

    /// Writes `text` clipped to `width` cells, then marks what matches the filter.
    @discardableResult
    mutating func text(_ text: String, x: Int, y: Int, width: Int, role: ThemeRole, style: CellStyle? = nil) -> Int {
        let width = min(width, clip.maxX - x)
        guard width > 0, x >= clip.x else { return 0 }
        let shown = DisplayWidth.of(text) > width ? DisplayWidth.truncate(text, to: width) : text
        let used = grid.put(shown, x: x, y: y, style: style ?? theme[role], maxWidth: width)
        markRedactions(shown, x: x, y: y, width: width)
        if !ui.filter.isEmpty { highlight(shown, x: x, y: y, width: width) }
        return used
    }

    /// Restyles every `[NAME_REDACTED]` in `shown`: Charm's runner replaces the value of each
    /// secret in its environment (longer than 5 characters) with its name so, and the screen
    /// should say "a secret was here", not show text that looks like data.
    mutating func markRedactions(_ shown: String, x: Int, y: Int, width: Int) {
        guard shown.utf8.count >= 11, shown.contains("_REDACTED]") else { return }
        for range in UIFormat.redactions(in: shown) {
            let column = DisplayWidth.of(String(shown[..<range.lowerBound]))
            let end = min(column + DisplayWidth.of(String(shown[range])), width)
            if column < end { grid.restyle(rect: Rect(x: x + column, y: y, width: end - column, height: 1), style: theme[.redacted]) }
        }
    }

    /// Restyles every occurrence of the filter in `shown` (drawn at `x`, `y`).
    mutating func highlight(_ shown: String, x: Int, y: Int, width: Int) {
        var searchStart = shown.startIndex
        while searchStart < shown.endIndex,
              let range = shown.range(of: ui.filter, options: .caseInsensitive, range: searchStart..<shown.endIndex) {
            let column = DisplayWidth.of(String(shown[..<range.lowerBound]))
            let matchWidth = DisplayWidth.of(String(shown[range]))
            let end = min(column + matchWidth, width)
            if column < end { grid.restyle(rect: Rect(x: x + column, y: y, width: end - column, height: 1), style: theme[.highlight]) }
            searchStart = range.upperBound
        }
    }

    /// Draws text right-aligned so it ends at `maxX`.
    mutating func rightAligned(_ text: String, maxX: Int, y: Int, role: ThemeRole) {
        let w = DisplayWidth.of(text)
        guard maxX <= clip.maxX, maxX - w >= clip.x else { return }
        grid.put(text, x: maxX - w, y: y, style: theme[role], maxWidth: w)
    }

    /// Marks a row as selected; keeps the focused pane's selection brighter.
    mutating func select(row y: Int, in inner: Rect, focused: Bool) {
        var style = theme[.selection]
        if !focused { style = theme[.selection].adding(.dim) }
        let area = Rect(x: inner.x, y: y, width: inner.width, height: 1)
        // Keep status colours readable: only the background and attributes change.
        for column in area.x..<area.maxX where column < grid.width {
            var cell = grid[x: column, y: y]
            if cell.style == theme[.highlight] { continue }  // a match stays marked
            cell.style.bg = style.bg
            cell.style.attributes.formUnion(style.attributes)
            if style.bg == .default { cell.style.attributes.insert(.reverse) }
            if cell.style.fg == theme[.text].fg || cell.style.fg == theme[.dim].fg { cell.style.fg = style.fg }
            grid.restyle(rect: Rect(x: column, y: y, width: 1, height: 1), style: cell.style)
        }
    }

    /// Marks a row with `role`'s background and attributes (the compare view's first
    /// divergence), keeping each cell's own colour as `select` does.
    mutating func emphasize(row y: Int, in inner: Rect, role: ThemeRole) {
        let style = theme[role]
        for column in inner.x..<min(inner.maxX, grid.width) {
            var cell = grid[x: column, y: y].style
            cell.bg = style.bg
            cell.attributes.formUnion(style.attributes)
            if cell.fg == theme[.text].fg || cell.fg == theme[.dim].fg || cell.fg == theme[.border].fg { cell.fg = style.fg }
            grid.restyle(rect: Rect(x: column, y: y, width: 1, height: 1), style: cell)
        }
    }

    /// A list pane's box, with its empty-state `message` when it lists nothing: the inside
    /// to draw `count` rows in, or `nil` when there is nothing (more) to draw.
    mutating func listBox(_ rect: Rect, title: String, focused: Bool, note: String, count: Int, empty message: String) -> Rect? {
        let inner = box(rect, title: title, focused: focused, note: note)
        guard inner.height > 0 else { return nil }
        guard count > 0 else {
            empty(message, in: inner)
            return nil
        }
        return inner
    }

    /// The lead of a log or error row: the time, then `kind` padded to `kindWidth`, drawn
    /// from `x` up to `maxX`; returns the column after them.
    mutating func rowLead(_ at: Timestamp, kind: String, kindWidth: Int, kindRole: ThemeRole, x: Int, y: Int, maxX: Int) -> Int {
        var x = x
        x += grid.put(UIFormat.clock(at) + " ", x: x, y: y, style: theme[.timestamp], maxWidth: max(0, maxX - x))
        let padded = kind.padding(toLength: kindWidth, withPad: " ", startingAt: 0)
        x += grid.put(padded, x: x, y: y, style: theme[kindRole], maxWidth: max(0, maxX - x))
        return x
    }

    /// A centred message in an empty pane.
    mutating func empty(_ message: String, in inner: Rect) {
        guard inner.height > 0 else { return }
        let shown = DisplayWidth.truncate(message, to: inner.width)
        let x = inner.x + max(0, (inner.width - DisplayWidth.of(shown)) / 2)
        grid.put(shown, x: x, y: inner.y + inner.height / 2, style: theme[.dim], maxWidth: inner.width)
    }

    /// A position hint on the right border ("12/40") when a list does not fit.
    mutating func scrollMark(top: Int, visible: Int, count: Int, rect: Rect) {
        let label = " \(min(count, top + visible))/\(count) "
        let x = rect.maxX - 2 - DisplayWidth.of(label)
        guard x > rect.x + 2 else { return }
        grid.put(label, x: x, y: rect.maxY - 1, style: theme[.dim])
    }
}
