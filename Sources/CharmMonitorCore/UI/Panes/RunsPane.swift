import CharmTelemetry

/// The run tree: status glyph, name and id (indented by depth), duration, calls (tool and
/// LLM), LLM tokens in/out, cost, streamed tokens and tokens/s. Owns the selected run and
/// its scroll position.
struct RunsPane: MonitorPane {
    /// The selected run's id (by id, not index, so new runs arriving do not move it); `nil`
    /// follows the newest run until the user picks one.
    var selectedRunID: String?
    /// The first row shown.
    var top = 0

    /// What the pane draws: only the rows in view.
    struct View: Sendable {
        /// The rows shown, from `top` (their runs without text or calls: see `MonitorRun.forView`).
        var rows: [RunRow] = []
        /// Rows listed (the runs matching the filter).
        var count = 0
        /// Runs kept.
        var total = 0
        /// The index of the first row shown.
        var top = 0
        /// The selected row's index.
        var selected: Int?
        /// OTLP traces waiting for their agents (placeholders), oldest first, as many as
        /// could show below the runs.
        var pending: [PendingTrace] = []
        /// How many traces wait in all.
        var pendingCount = 0
    }

    /// Builds the view for `visible` rows: a pass over the cached run tree's ids, and a
    /// lookup of each run in view.
    static func view(_ model: MonitorModel, ui: UIState, visible: Int, cache: RunFilterCache? = nil) -> View {
        let rows = UIRows.treeRows(model, filter: ui.filter, cache: cache)
        let selected = UIRows.selectedRunIndex(rows, state: ui)
        let top = UIRows.window(selected: selected, count: rows.count, visible: visible, stored: ui.runsPane.top)
        let shown = rows[top..<min(rows.count, top + visible)].compactMap { row in
            model.run(row.id).map { RunRow(run: $0.forView(), depth: row.depth) }
        }
        let room = max(0, visible - shown.count - 1)
        return View(
            rows: shown, count: rows.count, total: model.runs.count, top: top, selected: selected,
            pending: Array(model.pendingTraces.prefix(room)), pendingCount: model.pendingTraces.count)
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let visible = context.visible(.runs)
        switch input {
        case .action(.open):
            return [.pinRun, .focus(.tools)]
        case .action, .scroll:
            guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
            return move(by: delta, context: context)
        case .click(let row):
            let rows = context.runRows
            let top = UIRows.window(
                selected: UIRows.selectedRunIndex(rows, state: context.ui), count: rows.count, visible: visible, stored: self.top)
            guard row >= 0, top + row < rows.count else { return [] }
            let changed = selectedRunID != rows[top + row].id
            selectedRunID = rows[top + row].id
            self.top = top
            return changed ? [.runMoved(tokens: false)] : []
        }
    }

    private mutating func move(by delta: Int, context: PaneContext) -> [PaneEffect] {
        let rows = context.runRows
        guard let current = UIRows.selectedRunIndex(rows, state: context.ui) else { return [] }
        let next = current.moved(by: delta, count: rows.count)
        selectedRunID = rows[next].id
        top = UIRows.window(selected: next, count: rows.count, visible: context.visible(.runs), stored: top)
        return [.runMoved(tokens: true)]
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .runs
        var note = p.ui.filter.isEmpty ? "" : "\(view.count) match"
        if view.pendingCount > 0 { note += (note.isEmpty ? "" : " · ") + "\(view.pendingCount) awaiting agent" }
        if let marked = p.ui.markedRun { note += (note.isEmpty ? "" : " · ") + "◇ \(marked.id)" }
        let inner = p.box(rect, title: "Runs \(view.total)", focused: focused, note: note)
        guard inner.height > 0 else { return }

        // Fixed columns, right to left; the id takes what is left (at least 10 cells).
        // Model usage (tokens in/out, cost) only when a run in view made LLM calls, streamed
        // tokens only when one streamed (or nothing says which); a narrow screen drops from
        // the right.
        let usage = view.rows.contains { $0.run.llmCallCount > 0 }
        let streamed = view.rows.contains { $0.run.tokenCount > 0 } || !usage
        var columns: [(title: String, width: Int)] = [("dur", 7), ("calls", 6)]
        if usage { columns += [("cost", 8), ("in/out", 12)] }
        if streamed { columns += [("tokens", 7), ("tok/s", 6)] }
        while !columns.isEmpty, inner.width - 2 - columns.reduce(0, { $0 + $1.width }) < 14 { columns.removeLast() }
        let fixed = columns.reduce(0) { $0 + $1.width }
        let idWidth = inner.width - 2 - fixed

        var x = inner.x + 2
        p.grid.put("run", x: x, y: inner.y, style: p.theme[.dim], maxWidth: idWidth)
        x += idWidth
        for column in columns {
            p.rightAligned(column.title, maxX: x + column.width, y: inner.y, role: .dim)
            x += column.width
        }
        drawPending(view, in: inner, painter: &p)
        guard view.count > 0 else {
            if view.pending.isEmpty {
                p.empty(p.ui.filter.isEmpty ? "no runs yet" : "no run matches “\(p.ui.filter)”", in: inner.inset(top: 1))
            }
            return
        }
        let visible = max(1, inner.height - 1)
        let now = p.now
        for (offset, row) in view.rows.prefix(visible).enumerated() {
            let y = inner.y + 1 + offset
            let run = row.run
            p.grid.put(UIFormat.glyph(run.status), x: inner.x, y: y, style: p.theme[UIFormat.role(run.status)])
            if let marked = p.ui.markedRun, marked.id == run.id, marked.origin == run.source.name {
                p.grid.put("◇", x: inner.x + 1, y: y, style: p.theme[.accent])
            }
            // Children hang under their parent; an id that extends its parent's id
            // ("session-1.planner" under "session-1") shows only what it adds.
            let indent = min(max(0, row.depth - 1), 6) * 2
            var label = run.name.map { "\($0) · \(run.id)" } ?? run.id
            if row.depth > 0, run.name == nil {
                var shown = run.id
                if let parent = run.parentID, run.id.hasPrefix(parent), run.id.count > parent.count {
                    shown = "…" + run.id.dropFirst(parent.count)
                }
                label = "└ " + shown
            } else if row.depth > 0 {
                label = "└ " + label
            }
            var idX = inner.x + 2 + min(indent, max(0, idWidth - 6))
            if !run.findingRules.isEmpty {
                // A detector fired for this run: marked before its name (the errors pane says what).
                idX += p.text("⚑ ", x: idX, y: y, width: max(0, inner.x + 2 + idWidth - 1 - idX), role: .finding)
            }
            p.text(label, x: idX, y: y, width: max(0, inner.x + 2 + idWidth - 1 - idX), role: .text)
            var cx = inner.x + 2 + idWidth
            for column in columns {
                let value: String
                var role = ThemeRole.text
                switch column.title {
                case "dur":
                    value = UIFormat.duration(run.duration(now: now))
                    role = .timestamp
                case "calls":
                    let n = run.toolCallCount + run.llmCallCount
                    value = n == 0 ? "–" : UIFormat.count(n)
                case "in/out":
                    if run.inputTokens == nil && run.outputTokens == nil {
                        value = "–"
                    } else {
                        value = (run.inputTokens.map(UIFormat.count) ?? "?") + "/" + (run.outputTokens.map(UIFormat.count) ?? "?")
                    }
                case "cost":
                    value = run.cost.map(UIFormat.cost) ?? "–"
                    role = .accent
                case "tokens": value = run.tokenCount == 0 ? "–" : UIFormat.count(run.tokenCount)
                default:
                    let rate = run.tokensPerSecond(now: now)
                    value = rate > 0 ? UIFormat.rate(rate) : "–"
                    role = .accent
                }
                p.rightAligned(value, maxX: cx + column.width, y: y, role: role)
                cx += column.width
            }
            if offset + view.top == view.selected { p.select(row: y, in: inner, focused: focused) }
        }
        if view.count > visible { p.scrollMark(top: view.top, visible: visible, count: view.count, rect: rect) }
    }

    /// Placeholders on the last rows: a trace whose calls arrived before their agent's span,
    /// which becomes a run when that span comes.
    private func drawPending(_ view: View, in inner: Rect, painter p: inout UIPainter) {
        guard !view.pending.isEmpty else { return }
        let now = p.now
        for (i, t) in view.pending.enumerated() {
            let y = inner.maxY - view.pending.count + i
            guard y > inner.y else { continue }
            var x = inner.x
            x += p.grid.put("⧗ ", x: x, y: y, style: p.theme[.statusRunning], maxWidth: inner.width)
            let age = UIFormat.duration(max(0, now.seconds(since: t.start)))
            let text = "trace \(t.traceID.prefix(8))… \(t.contents) · awaiting agent · \(age)"
            p.text(text, x: x, y: y, width: max(0, inner.maxX - x), role: .dim)
        }
    }
}
