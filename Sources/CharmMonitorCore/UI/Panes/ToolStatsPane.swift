import CharmTelemetry

/// The tools view (`T`): per tool name, across every run seen, calls, errors, error rate and
/// p50 / p95 / max duration, sortable by each column (`s` the column, `S` the order); Enter
/// lists that tool's latest calls (run, status, duration, input) and Enter on one of them
/// goes to it in its run. Owns its sort, its selections and its scroll positions.
struct ToolStatsPane: MonitorPane {
    /// What the table can be sorted by, in the order `s` cycles through.
    enum Column: String, CaseIterable, Hashable, Sendable {
        case tool, calls, errors, errorRate = "error %", p50, p95, max

        /// Whether it sorts largest first until reversed (numbers do; names go A to Z).
        var largestFirst: Bool { self != .tool }
    }

    /// The column sorted by.
    var sort = Column.calls
    /// Whether the order is the column's natural one reversed.
    var reversed = false
    /// The selected tool's row.
    var selected = 0
    /// The first tool row shown.
    var top = 0
    /// The tool whose calls are listed, while they are.
    var listing: String?
    /// The selected call in the list.
    var selectedCall = 0
    /// The first call row shown.
    var callTop = 0

    /// One row of the call list.
    struct CallRow: Sendable, Hashable {
        var runID: String
        var call: ToolCallRecord
    }

    /// One tool's figures: what a frame keeps of its statistics (sharing the histogram
    /// would make the engine's next call of that tool copy it).
    struct ToolRow: Sendable, Hashable {
        var name: String
        var calls: Int
        var errors: Int
        var ended: Int
        var timed: Int
        var errorRate: Double
        var p50Micros: UInt64
        var p95Micros: UInt64
        var maxMicros: UInt64

        init(_ s: ToolStats) {
            name = s.name
            calls = s.calls
            errors = s.errors
            ended = s.ended
            timed = s.timed
            errorRate = s.errorRate
            p50Micros = s.p50Micros
            p95Micros = s.p95Micros
            maxMicros = s.maxMicros
        }
    }

    /// What the pane draws.
    struct View: Sendable {
        /// The tools, sorted.
        var tools: [ToolRow] = []
        /// The listed tool's calls, newest first (those whose run is still kept).
        var calls: [CallRow] = []
        /// Calls of the listed tool remembered, kept or not.
        var remembered = 0
    }

    /// The tools in the pane's order.
    func sorted(_ model: MonitorModel) -> [ToolStats] {
        let column = sort
        let ascending = column.largestFirst == reversed
        return model.toolStats.values.sorted { a, b in
            let order = ToolStatsPane.compare(a, b, by: column)
            if order == 0 { return a.name < b.name }
            return ascending ? order < 0 : order > 0
        }
    }

    /// -1, 0 or 1 as `a` sorts before, with or after `b` by `column` ascending.
    static func compare(_ a: ToolStats, _ b: ToolStats, by column: Column) -> Int {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch column {
        case .tool: return cmp(a.name, b.name)
        case .calls: return cmp(a.calls, b.calls)
        case .errors: return cmp(a.errors, b.errors)
        case .errorRate: return cmp(a.errorRate, b.errorRate)
        case .p50: return cmp(a.p50Micros, b.p50Micros)
        case .p95: return cmp(a.p95Micros, b.p95Micros)
        case .max: return cmp(a.maxMicros, b.maxMicros)
        }
    }

    /// The listed tool's calls, newest first, looked up in their runs (evicted runs' calls
    /// are skipped).
    static func calls(of tool: String, in model: MonitorModel) -> (rows: [CallRow], remembered: Int) {
        guard let stats = model.toolStats[tool] else { return ([], 0) }
        var rows: [CallRow] = []
        for ref in stats.recent.reversed() {
            if let call = model.run(ref.runID)?.toolCall(ref.callID) { rows.append(CallRow(runID: ref.runID, call: call)) }
        }
        return (rows, stats.recent.count)
    }

    /// Builds the view.
    static func view(_ model: MonitorModel, ui: UIState) -> View {
        let pane = ui.toolStatsPane
        var view = View()
        if let tool = pane.listing {
            (view.calls, view.remembered) = calls(of: tool, in: model)
        } else {
            view.tools = pane.sorted(model).map(ToolRow.init)
        }
        return view
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let visible = context.visible(.toolStats)
        if let tool = listing {
            let rows = ToolStatsPane.calls(of: tool, in: context.model).rows
            switch input {
            case .action(.open):
                guard selectedCall < rows.count else { return [] }
                let row = rows[selectedCall]
                return [.jumpToCall(runID: row.runID, callID: row.call.callID)]
            case .action(.back):
                listing = nil
                return []
            case .action, .scroll:
                guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
                selectedCall = selectedCall.moved(by: delta, count: rows.count)
                callTop = UIRows.window(selected: selectedCall, count: rows.count, visible: visible, stored: callTop)
            case .click(let row):
                let top = UIRows.window(selected: selectedCall, count: rows.count, visible: visible, stored: callTop)
                guard row >= 0, top + row < rows.count else { return [] }
                selectedCall = top + row
                callTop = top
            }
            return []
        }
        let tools = sorted(context.model)
        switch input {
        case .action(.open):
            guard selected < tools.count else { return [] }
            listing = tools[selected].name
            selectedCall = 0
            callTop = 0
            return []
        case .action(.sortNext):
            let all = Column.allCases
            sort = all[(all.firstIndex(of: sort)! + 1) % all.count]
            reversed = false
            return [.status("tools sorted by \(sort.rawValue)")]
        case .action(.sortReverse):
            reversed.toggle()
            return [.status("tools sorted by \(sort.rawValue), \(reversed == sort.largestFirst ? "smallest" : "largest") first")]
        case .action, .scroll:
            guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
            selected = selected.moved(by: delta, count: tools.count)
            top = UIRows.window(selected: selected, count: tools.count, visible: visible, stored: top)
        case .click(let row):
            let top = UIRows.window(selected: selected, count: tools.count, visible: visible, stored: self.top)
            guard row >= 0, top + row < tools.count else { return [] }
            selected = top + row
            self.top = top
        }
        return []
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        if let tool = listing {
            renderCalls(view, tool: tool, into: &p, area: rect)
        } else {
            renderTools(view, into: &p, area: rect)
        }
    }

    private func renderTools(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .toolStats
        let arrow = (sort.largestFirst != reversed) ? "▼" : "▲"
        let note = "by \(sort.rawValue) \(arrow) · s: sort · S: reverse · Enter: calls · Esc: back"
        let inner = p.box(rect, title: "Tools \(view.tools.count)", focused: focused, note: note)
        guard inner.height > 0 else { return }
        let columns: [(Column, Int)] = [(.calls, 8), (.errors, 8), (.errorRate, 9), (.p50, 9), (.p95, 9), (.max, 9)]
        let nameWidth = max(8, inner.width - columns.reduce(0) { $0 + $1.1 })
        var x = inner.x
        let heading = { (c: Column) in c == sort ? "\(c.rawValue)\(arrow)" : c.rawValue }
        p.grid.put(heading(.tool), x: x, y: inner.y, style: p.theme[sort == .tool ? .accent : .dim], maxWidth: nameWidth)
        x += nameWidth
        for (column, width) in columns {
            p.rightAligned(heading(column), maxX: x + width, y: inner.y, role: column == sort ? .accent : .dim)
            x += width
        }
        guard !view.tools.isEmpty else {
            p.empty("no tool calls yet", in: inner.inset(top: 1))
            return
        }
        let visible = max(1, inner.height - 1)
        let selected = min(self.selected, view.tools.count - 1)
        let top = UIRows.window(selected: selected, count: view.tools.count, visible: visible, stored: self.top)
        for index in top..<min(view.tools.count, top + visible) {
            let t = view.tools[index]
            let y = inner.y + 1 + index - top
            p.text(t.name, x: inner.x, y: y, width: nameWidth - 1, role: .toolName)
            var cx = inner.x + nameWidth
            func seconds(_ micros: UInt64) -> String { t.timed == 0 ? "–" : UIFormat.duration(Double(micros) / 1_000_000) }
            let cells: [(String, ThemeRole)] = [
                (UIFormat.count(t.calls), .text),
                (UIFormat.count(t.errors), t.errors > 0 ? .error : .text),
                (t.ended == 0 ? "–" : ToolStatsPane.percent(t.errorRate), t.errors > 0 ? .error : .text),
                (seconds(t.p50Micros), .timestamp), (seconds(t.p95Micros), .timestamp), (seconds(t.maxMicros), .timestamp),
            ]
            for ((_, width), cell) in zip(columns, cells) {
                p.rightAligned(cell.0, maxX: cx + width, y: y, role: cell.1)
                cx += width
            }
            if index == selected { p.select(row: y, in: inner, focused: focused) }
        }
        if view.tools.count > visible { p.scrollMark(top: top, visible: visible, count: view.tools.count, rect: rect) }
    }

    private func renderCalls(_ view: View, tool: String, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .toolStats
        let gone = view.remembered - view.calls.count
        let note = (gone > 0 ? "\(gone) in runs no longer kept · " : "") + "Enter: go to call · Esc: back"
        let inner = p.box(rect, title: "Calls of \(tool) \(view.calls.count)", focused: focused, note: note)
        guard inner.height > 0 else { return }
        let runWidth = min(28, max(10, inner.width / 4))
        let durationWidth = 9
        p.grid.put("run", x: inner.x + 2, y: inner.y, style: p.theme[.dim], maxWidth: runWidth)
        p.rightAligned("dur", maxX: inner.x + 2 + runWidth + durationWidth, y: inner.y, role: .dim)
        p.grid.put("input", x: inner.x + 2 + runWidth + durationWidth + 2, y: inner.y, style: p.theme[.dim], maxWidth: 5)
        guard !view.calls.isEmpty else {
            p.empty("no call of \(tool) in the runs kept", in: inner.inset(top: 1))
            return
        }
        let visible = max(1, inner.height - 1)
        let selected = min(selectedCall, view.calls.count - 1)
        let top = UIRows.window(selected: selected, count: view.calls.count, visible: visible, stored: callTop)
        for index in top..<min(view.calls.count, top + visible) {
            let row = view.calls[index]
            let y = inner.y + 1 + index - top
            p.grid.put(UIFormat.glyph(row.call.status), x: inner.x, y: y, style: p.theme[UIFormat.role(row.call.status)])
            p.text(row.runID, x: inner.x + 2, y: y, width: runWidth - 1, role: .accent)
            let duration = row.call.duration.map(UIFormat.duration)
                ?? UIFormat.duration(max(0, p.now.seconds(since: row.call.start))) + "…"
            p.rightAligned(duration, maxX: inner.x + 2 + runWidth + durationWidth, y: y,
                           role: row.call.duration == nil ? .statusRunning : .timestamp)
            let x = inner.x + 2 + runWidth + durationWidth + 2
            p.text(UIFormat.oneLine(row.call.input), x: x, y: y, width: max(0, inner.maxX - x), role: .dim)
            if index == selected { p.select(row: y, in: inner, focused: focused) }
        }
        if view.calls.count > visible { p.scrollMark(top: top, visible: visible, count: view.calls.count, rect: rect) }
    }

    /// `0%`, `2.5%`, `33%`, `100%`.
    static func percent(_ rate: Double) -> String {
        let v = rate * 100
        if v == 0 || v >= 10 { return "\(Int(v.rounded()))%" }
        return String(format: "%.1f%%", v)
    }
}
