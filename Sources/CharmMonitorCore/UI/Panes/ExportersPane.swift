import CharmTelemetry

/// Every exporter with its switch, health and counters, and what it needs. Owns the
/// selected exporter and its scroll position; Space or Enter switches one on or off.
struct ExportersPane: MonitorPane {
    /// The selected exporter row.
    var selectedIndex = 0
    /// The first row shown.
    var top = 0

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let rows = context.exporters
        let visible = context.visible(.exporters)
        switch input {
        case .action(.open), .action(.toggleExporter):
            return toggle(rows)
        case .action, .scroll:
            if let delta = input.rows(page: max(1, visible - 1)) { move(by: delta, count: rows.count, visible: visible) }
        case .click(let row):
            let top = UIRows.window(selected: selectedIndex, count: rows.count, visible: visible, stored: self.top)
            guard row >= 0, top + row < rows.count else { return [] }
            selectedIndex = top + row
        }
        return []
    }

    private mutating func move(by delta: Int, count: Int, visible: Int) {
        guard count > 0 else { return }
        let next = min(selectedIndex, count - 1).moved(by: delta, count: count)
        selectedIndex = next
        top = UIRows.window(selected: next, count: count, visible: visible, stored: top)
    }

    /// Switches the selected exporter, or says how to install it when it is not here.
    private func toggle(_ rows: [ExporterRow]) -> [PaneEffect] {
        guard !rows.isEmpty else { return [] }
        let row = rows[min(selectedIndex, rows.count - 1)]
        if let command = row.installCommand { return [.status("\(row.name) is not installed here: \(command)")] }
        return [.outside(.setExporter(name: row.name, enabled: !row.enabled))]
    }

    func render(_ exporters: [ExporterRow], into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .exporters
        let enabled = exporters.filter(\.enabled).count
        guard let inner = p.listBox(
            rect, title: "Exporters \(enabled)/\(exporters.count) on", focused: focused, note: "Space: on/off",
            count: exporters.count, empty: "no exporters registered")
        else { return }
        let nameWidth = min(12, max(6, exporters.map { DisplayWidth.of($0.name) }.max() ?? 6))
        let columns: [(String, Int)] = [("health", 9), ("sent", 7), ("queue", 6), ("drop", 6)]
        var x = inner.x + 4
        p.grid.put("name", x: x, y: inner.y, style: p.theme[.dim], maxWidth: nameWidth)
        x += nameWidth + 1
        for (title, width) in columns where x + width <= inner.maxX {
            if title == "health" {
                p.grid.put(title, x: x, y: inner.y, style: p.theme[.dim])
            } else {
                p.rightAligned(title, maxX: x + width - 1, y: inner.y, role: .dim)
            }
            x += width
        }
        if x < inner.maxX { p.grid.put("note", x: x, y: inner.y, style: p.theme[.dim], maxWidth: inner.maxX - x) }

        let visible = max(1, inner.height - 1)
        let selected = min(selectedIndex, exporters.count - 1)
        let top = UIRows.window(selected: selected, count: exporters.count, visible: visible, stored: self.top)
        for index in top..<min(exporters.count, top + visible) {
            let row = exporters[index]
            let y = inner.y + 1 + index - top
            p.grid.put(row.enabled ? "[x]" : "[ ]", x: inner.x, y: y, style: p.theme[row.enabled ? .statusOk : .dim])
            var cx = inner.x + 4
            p.text(row.name, x: cx, y: y, width: nameWidth, role: row.enabled ? .toolName : .text)
            cx += nameWidth + 1
            let healthRole: ThemeRole =
                switch row.health {
                case .ok: .statusOk
                case .retrying: .warning
                case .failing: .statusError
                }
            let values: [(String, ThemeRole)] = [
                (row.enabled ? row.health.rawValue : "off", row.enabled ? healthRole : .dim),
                (UIFormat.count(row.delivered), .text), ("\(row.queued)", .text),
                (UIFormat.count(row.dropped), row.dropped > 0 ? .warning : .text),
            ]
            for ((value, role), (_, width)) in zip(values, columns) where cx + width <= inner.maxX {
                if width == 9 {
                    p.grid.put(value, x: cx, y: y, style: p.theme[role], maxWidth: width - 1)
                } else {
                    p.rightAligned(value, maxX: cx + width - 1, y: y, role: role)
                }
                cx += width
            }
            var note = ""
            var noteRole = ThemeRole.dim
            if let command = row.installCommand {
                note = "not installed — \(command)"
            } else if let variable = row.missingVariable {
                note = "needs \(variable)"
                noteRole = .warning
            } else if let reason = row.unavailableReason {
                note = reason
                noteRole = .error
            } else if let error = row.lastError {
                note = error
                noteRole = .error
            }
            if cx < inner.maxX { p.text(UIFormat.oneLine(note), x: cx, y: y, width: inner.maxX - cx, role: noteRole) }
            if index == selected { p.select(row: y, in: inner, focused: focused) }
        }
    }
}
