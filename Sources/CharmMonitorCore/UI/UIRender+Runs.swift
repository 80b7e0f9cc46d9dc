import CharmTelemetry
import Foundation

extension UIPainter {
    /// The run tree: status glyph, id (indented by depth), duration, tool calls, tokens
    /// and tokens/s; columns are dropped from the right when the pane is narrow.
    mutating func drawRuns(in rect: Rect) {
        let rows = UIRows.runs(model, filter: ui.filter)
        let focused = ui.focus == .runs
        let note = ui.filter.isEmpty ? "" : "\(rows.count) match"
        let inner = box(rect, title: "Runs \(model.runs.count)", focused: focused, note: note)
        guard inner.height > 0 else { return }

        // Fixed columns, right to left; the id takes what is left (at least 10 cells).
        var columns: [(title: String, width: Int)] = [("dur", 7), ("calls", 6), ("tokens", 7), ("tok/s", 6)]
        while !columns.isEmpty, inner.width - 2 - columns.reduce(0, { $0 + $1.width }) < 14 { columns.removeLast() }
        let fixed = columns.reduce(0) { $0 + $1.width }
        let idWidth = inner.width - 2 - fixed

        var x = inner.x + 2
        grid.put("run", x: x, y: inner.y, style: theme[.dim], maxWidth: idWidth)
        x += idWidth
        for column in columns {
            rightAligned(column.title, maxX: x + column.width, y: inner.y, role: .dim)
            x += column.width
        }
        guard !rows.isEmpty else {
            empty(ui.filter.isEmpty ? "no runs yet" : "no run matches “\(ui.filter)”", in: inner.inset(top: 1))
            return
        }
        let visible = max(1, inner.height - 1)
        let selected = UIRows.selectedRunIndex(rows, state: ui)
        let top = UIRows.window(selected: selected, count: rows.count, visible: visible, stored: ui.scroll[.runs] ?? 0)
        for (offset, row) in rows[top..<min(rows.count, top + visible)].enumerated() {
            let y = inner.y + 1 + offset
            let run = row.run
            grid.put(UIFormat.glyph(run.status), x: inner.x, y: y, style: theme[UIFormat.role(run.status)])
            // Children hang under their parent; an id that extends its parent's id
            // ("session-1.planner" under "session-1") shows only what it adds.
            let indent = min(max(0, row.depth - 1), 6) * 2
            var label = run.id
            if row.depth > 0 {
                var shown = run.id
                if let parent = run.parentID, run.id.hasPrefix(parent), run.id.count > parent.count {
                    shown = "…" + run.id.dropFirst(parent.count)
                }
                label = "└ " + shown
            }
            let idX = inner.x + 2 + min(indent, max(0, idWidth - 6))
            text(label, x: idX, y: y, width: max(0, inner.x + 2 + idWidth - 1 - idX), role: .text)
            var cx = inner.x + 2 + idWidth
            for column in columns {
                let value: String
                var role = ThemeRole.text
                switch column.title {
                case "dur":
                    value = UIFormat.duration(run.duration(now: now))
                    role = .timestamp
                case "calls": value = run.toolCallCount == 0 ? "–" : UIFormat.count(run.toolCallCount)
                case "tokens": value = run.tokenCount == 0 ? "–" : UIFormat.count(run.tokenCount)
                default:
                    let rate = run.tokensPerSecond(now: now)
                    value = rate > 0 ? UIFormat.rate(rate) : "–"
                    role = .accent
                }
                rightAligned(value, maxX: cx + column.width, y: y, role: role)
                cx += column.width
            }
            if offset + top == selected { select(row: y, in: inner, focused: focused) }
        }
        if rows.count > visible { scrollMark(top: top, visible: visible, count: rows.count, rect: rect) }
    }

    /// A position hint on the right border ("12/40") when a list does not fit.
    mutating func scrollMark(top: Int, visible: Int, count: Int, rect: Rect) {
        let label = " \(min(count, top + visible))/\(count) "
        let x = rect.maxX - 2 - DisplayWidth.of(label)
        guard x > rect.x + 2 else { return }
        grid.put(label, x: x, y: rect.maxY - 1, style: theme[.dim])
    }
}
