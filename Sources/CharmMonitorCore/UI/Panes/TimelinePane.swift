import CharmTelemetry

/// The selected run's tool calls and LLM calls, and its sub-runs', as one timeline in start
/// order: status, name (a model call marked ◆ in the model's colour, its bar drawn thin),
/// start offset, a bar placed and sized on the run's span, duration, the sub-run and a
/// preview (a tool's input; a model call's tokens and cost); the run's artifacts below.
/// Owns the selected call and its scroll position.
struct TimelinePane: MonitorPane {
    /// The selected call, as an index into the timeline; `nil` follows the newest call.
    var selectedIndex: Int?
    /// The first row shown.
    var top = 0

    /// What the pane draws: the calls in view and what the columns are sized on.
    struct View: Sendable {
        /// The run shown (without text or calls: see `MonitorRun.forView`).
        var run: MonitorRun?
        /// The run's own calls kept (the rest of the timeline is its sub-runs').
        var ownCalls = 0
        /// What model calls cost, for their previews.
        var prices = PriceTable()
        /// Calls in the timeline.
        var count = 0
        /// The calls shown, from `top`.
        var rows: [TimelineCall] = []
        /// The index of the first call shown.
        var top = 0
        /// The selected call's index.
        var selected: Int?
        /// The widest tool name in the timeline, in cells.
        var longestName = 0
        /// Seconds the time axis spans.
        var span = 0.001
    }

    /// Builds the view of `calls` (the timeline of `run`) for the pane's size in `layout`.
    static func view(
        run: MonitorRun?, calls: [TimelineCall], ui: UIState, layout: UILayout, now: Timestamp, prices: PriceTable
    ) -> View {
        guard let run else { return View() }
        var height = layout.inner(.tools).height
        if !run.artifacts.isEmpty, height >= 3 { height -= artifactRows(run.artifacts.count, height: height) }
        let visible = max(1, height - 1)
        let selected = UIRows.selectedToolIndex(calls, state: ui)
        let top = UIRows.window(selected: selected, count: calls.count, visible: visible, stored: ui.timelinePane.top)
        return View(
            run: run.forView(), ownCalls: run.toolCalls.count + run.llmCalls.count, prices: prices, count: calls.count,
            rows: Array(calls[top..<min(calls.count, top + visible)]), top: top, selected: selected,
            longestName: calls.lazy.map { DisplayWidth.of($0.name) + ($0.llm == nil ? 0 : 2) }.max() ?? 0,
            span: span(of: run, calls: calls, now: now))
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let calls = UIRows.timeline(context.model, context.selectedRun)
        let visible = context.visible(.tools)
        switch input {
        case .action(.open):
            guard let index = UIRows.selectedToolIndex(calls, state: context.ui) else { return [] }
            selectedIndex = index
            return [.openDetail]
        case .action, .scroll:
            guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
            return move(by: delta, calls: calls, context: context)
        case .click(let row):
            guard !calls.isEmpty else { return [] }
            let top = UIRows.window(
                selected: UIRows.selectedToolIndex(calls, state: context.ui), count: calls.count, visible: visible,
                stored: self.top)
            guard row >= 0, top + row < calls.count else { return [] }
            selectedIndex = top + row
            self.top = top
            return [.pinRun]
        }
    }

    private mutating func move(by delta: Int, calls: [TimelineCall], context: PaneContext) -> [PaneEffect] {
        guard let current = UIRows.selectedToolIndex(calls, state: context.ui) else { return [] }
        let next = current.moved(by: delta, count: calls.count)
        selectedIndex = next
        top = UIRows.window(selected: next, count: calls.count, visible: context.visible(.tools), stored: top)
        return [.pinRun]
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .tools
        let title = view.run.map { "Calls · \($0.id)" } ?? "Calls"
        var note = ""
        if let run = view.run {
            let dropped = run.evictedToolCalls + run.evictedLLMCalls
            var own = dropped > 0 ? "\(dropped) older dropped" : "\(run.toolCallCount)"
            if dropped == 0 && run.llmCallCount > 0 {
                own = "\(run.toolCallCount) tool\(run.toolCallCount == 1 ? "" : "s") · \(run.llmCallCount) LLM"
            }
            let inSubRuns = view.count - view.ownCalls
            note = inSubRuns > 0 ? "\(own) + \(inSubRuns) in sub-runs" : own
            if let code = run.exitCode { note = "exit \(code) · " + note }
        }
        var inner = p.box(rect, title: title, focused: focused, note: note)
        guard inner.height > 0 else { return }
        if let run = view.run, !run.artifacts.isEmpty, inner.height >= 3 {
            inner = drawArtifacts(run.artifacts, in: inner, painter: &p)
        }
        guard let run = view.run, view.count > 0 else {
            p.empty(view.run == nil ? "select a run" : "no tool or LLM calls in this run", in: inner)
            return
        }
        // A narrow pane drops the start column first; the bar and the input share the rest.
        let nameWidth = min(max(8, view.longestName + 1), 18, max(8, inner.width / 4))
        let durationWidth = 7
        let offsetWidth = inner.width >= 60 ? 8 : 0
        let rest = max(0, inner.width - 2 - nameWidth - offsetWidth - durationWidth - 2)
        let barWidth = max(6, rest * 2 / 5)
        let inputWidth = max(0, rest - barWidth - 1)

        let span = view.span
        var x = inner.x + 2
        p.grid.put("call", x: x, y: inner.y, style: p.theme[.dim], maxWidth: nameWidth)
        x += nameWidth
        if offsetWidth > 0 { p.rightAligned("start", maxX: x + offsetWidth, y: inner.y, role: .dim) }
        x += offsetWidth + 1
        let axis = "0" + String(repeating: " ", count: max(0, barWidth - 1 - DisplayWidth.of(UIFormat.duration(span))))
            + UIFormat.duration(span)
        p.grid.put(axis, x: x, y: inner.y, style: p.theme[.dim], maxWidth: barWidth)
        x += barWidth
        p.rightAligned("dur", maxX: x + durationWidth, y: inner.y, role: .dim)
        x += durationWidth + 1
        p.grid.put("input · tokens", x: x, y: inner.y, style: p.theme[.dim], maxWidth: inputWidth)

        let visible = max(1, inner.height - 1)
        let now = p.now
        for index in view.top..<min(view.count, view.top + visible) where index - view.top < view.rows.count {
            let call = view.rows[index - view.top]
            let y = inner.y + 1 + index - view.top
            p.grid.put(UIFormat.glyph(call.status), x: inner.x, y: y, style: p.theme[UIFormat.role(call.status)])
            var cx = inner.x + 2
            if call.llm != nil {
                // A model call is told apart at a glance: a diamond and the model's own colour.
                let w = p.grid.put("◆ ", x: cx, y: y, style: p.theme[.accent], maxWidth: nameWidth - 1)
                p.text(call.name, x: cx + w, y: y, width: max(0, nameWidth - 1 - w), role: .accent)
            } else {
                p.text(call.name, x: cx, y: y, width: nameWidth - 1, role: .toolName)
            }
            cx += nameWidth
            if offsetWidth > 0 {
                let offset = "+" + UIFormat.duration(max(0, call.startOffset(in: run)))
                p.rightAligned(offset, maxX: cx + offsetWidth, y: y, role: .timestamp)
            }
            cx += offsetWidth + 1
            drawBar(call, run: run, span: span, x: cx, y: y, width: barWidth, painter: &p)
            cx += barWidth
            let duration = call.duration.map(UIFormat.duration) ?? UIFormat.duration(max(0, now.seconds(since: call.start))) + "…"
            p.rightAligned(duration, maxX: cx + durationWidth, y: y, role: call.duration == nil ? .statusRunning : .timestamp)
            cx += durationWidth + 1
            var inputX = cx
            if let label = call.label(under: run.id), inputWidth > 8 {
                inputX += p.grid.put("‹\(label)›", x: cx, y: y, style: p.theme[.title], maxWidth: inputWidth / 2) + 1
            }
            p.text(call.preview(prices: view.prices), x: inputX, y: y, width: max(0, inputWidth - (inputX - cx)), role: .dim)
            if index == view.selected { p.select(row: y, in: inner, focused: focused) }
        }
        if view.count > visible { p.scrollMark(top: view.top, visible: visible, count: view.count, rect: rect) }
    }

    /// Rows the artifacts take at the bottom of a list `height` rows high: at most a third.
    static func artifactRows(_ count: Int, height: Int) -> Int { min(count + 1, max(2, height / 3)) }

    /// The run's artifacts on the last rows of `inner` (newest last); returns what is left
    /// above them for the calls.
    private func drawArtifacts(_ artifacts: [RunArtifact], in inner: Rect, painter p: inout UIPainter) -> Rect {
        let rows = TimelinePane.artifactRows(artifacts.count, height: inner.height)
        let top = inner.maxY - rows
        let shown = artifacts.suffix(rows - 1)
        let header = artifacts.count > shown.count ? "artifacts \(artifacts.count) (newest \(shown.count))" : "artifacts \(artifacts.count)"
        p.grid.put(header, x: inner.x, y: top, style: p.theme[.title], maxWidth: inner.width)
        for (offset, a) in shown.enumerated() {
            let y = top + 1 + offset
            var x = inner.x + 2
            x += p.text(a.name, x: x, y: y, width: max(0, inner.width / 2 - 2), role: .text) + 2
            let rest = [a.mime, a.location == a.name ? nil : a.location].compactMap { $0 }.joined(separator: "  ")
            p.text(rest, x: x, y: y, width: max(0, inner.maxX - x), role: .dim)
        }
        return Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - rows)
    }

    /// Seconds from the run's start to its end, or to the latest call end or now.
    static func span(of run: MonitorRun, calls: [TimelineCall], now: Timestamp) -> Double {
        var span = run.end.map { $0.seconds(since: run.start) } ?? now.seconds(since: run.start)
        for entry in calls {
            span = max(span, (entry.end ?? entry.start).seconds(since: run.start))
        }
        return max(span, 0.001)
    }

    /// One call's bar: a track of dots with the call's extent drawn over it.
    private func drawBar(_ call: TimelineCall, run: MonitorRun, span: Double, x: Int, y: Int, width: Int, painter p: inout UIPainter) {
        guard width > 0 else { return }
        p.grid.put(String(repeating: "·", count: width), x: x, y: y, style: p.theme[.border], maxWidth: width)
        let startFraction = max(0, min(1, call.startOffset(in: run) / span))
        let endTime = call.end ?? (run.end ?? p.now)
        let endFraction = max(startFraction, min(1, endTime.seconds(since: run.start) / span))
        let first = min(width - 1, Int((startFraction * Double(width)).rounded(.down)))
        let last = max(first + 1, min(width, Int((endFraction * Double(width)).rounded(.up))))
        let stroke = call.llm == nil ? "━" : "─"
        p.grid.put(String(repeating: stroke, count: last - first), x: x + first, y: y,
                   style: p.theme[call.llm == nil || call.status == .error ? UIFormat.role(call.status) : .accent],
                   maxWidth: last - first)
    }
}
