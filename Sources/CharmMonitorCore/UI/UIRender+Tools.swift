import CharmTelemetry

extension UIPainter {
    /// The selected run's tool calls, and its sub-runs', as a timeline: status, name, start
    /// offset, a bar placed and sized on the run's span, duration, the sub-run and an input
    /// preview.
    mutating func drawTools(in rect: Rect, run: MonitorRun?) {
        let focused = ui.focus == .tools
        let calls = UIRows.timeline(model, run)
        let title = run.map { "Tool calls · \($0.id)" } ?? "Tool calls"
        var note = ""
        if let run {
            let own = run.evictedToolCalls > 0 ? "\(run.evictedToolCalls) older dropped" : "\(run.toolCallCount)"
            let inSubRuns = calls.count - run.toolCalls.count
            note = inSubRuns > 0 ? "\(own) + \(inSubRuns) in sub-runs" : own
            if let code = run.exitCode { note = "exit \(code) · " + note }
        }
        var inner = box(rect, title: title, focused: focused, note: note)
        guard inner.height > 0 else { return }
        if let run, !run.artifacts.isEmpty, inner.height >= 3 {
            inner = drawArtifacts(run.artifacts, in: inner)
        }
        guard let run, !calls.isEmpty else {
            empty(run == nil ? "select a run" : "no tool calls in this run", in: inner)
            return
        }
        // A narrow pane drops the start column first; the bar and the input share the rest.
        let longestName = calls.lazy.map { DisplayWidth.of($0.call.toolName) }.max() ?? 0
        let nameWidth = min(max(8, longestName + 1), 18, max(8, inner.width / 4))
        let durationWidth = 7
        let offsetWidth = inner.width >= 60 ? 8 : 0
        let rest = max(0, inner.width - 2 - nameWidth - offsetWidth - durationWidth - 2)
        let barWidth = max(6, rest * 2 / 5)
        let inputWidth = max(0, rest - barWidth - 1)

        let span = timelineSpan(run, calls: calls)
        var x = inner.x + 2
        grid.put("tool", x: x, y: inner.y, style: theme[.dim], maxWidth: nameWidth)
        x += nameWidth
        if offsetWidth > 0 { rightAligned("start", maxX: x + offsetWidth, y: inner.y, role: .dim) }
        x += offsetWidth + 1
        let axis = "0" + String(repeating: " ", count: max(0, barWidth - 1 - DisplayWidth.of(UIFormat.duration(span))))
            + UIFormat.duration(span)
        grid.put(axis, x: x, y: inner.y, style: theme[.dim], maxWidth: barWidth)
        x += barWidth
        rightAligned("dur", maxX: x + durationWidth, y: inner.y, role: .dim)
        x += durationWidth + 1
        grid.put("input", x: x, y: inner.y, style: theme[.dim], maxWidth: inputWidth)

        let visible = max(1, inner.height - 1)
        let selected = UIRows.selectedToolIndex(calls, state: ui)
        let top = UIRows.window(selected: selected, count: calls.count, visible: visible, stored: ui.scroll[.tools] ?? 0)
        for index in top..<min(calls.count, top + visible) {
            let call = calls[index].call
            let y = inner.y + 1 + index - top
            grid.put(UIFormat.glyph(call.status), x: inner.x, y: y, style: theme[UIFormat.role(call.status)])
            var cx = inner.x + 2
            text(call.toolName, x: cx, y: y, width: nameWidth - 1, role: .toolName)
            cx += nameWidth
            if offsetWidth > 0 {
                let offset = "+" + UIFormat.duration(max(0, call.startOffset(in: run)))
                rightAligned(offset, maxX: cx + offsetWidth, y: y, role: .timestamp)
            }
            cx += offsetWidth + 1
            drawBar(call, run: run, span: span, x: cx, y: y, width: barWidth)
            cx += barWidth
            let duration = call.duration.map(UIFormat.duration) ?? UIFormat.duration(max(0, now.seconds(since: call.start))) + "…"
            rightAligned(duration, maxX: cx + durationWidth, y: y, role: call.duration == nil ? .statusRunning : .timestamp)
            cx += durationWidth + 1
            var inputX = cx
            if let label = calls[index].label(under: run.id), inputWidth > 8 {
                inputX += grid.put("‹\(label)›", x: cx, y: y, style: theme[.title], maxWidth: inputWidth / 2) + 1
            }
            text(UIFormat.oneLine(call.input), x: inputX, y: y, width: max(0, inputWidth - (inputX - cx)), role: .dim)
            if index == selected { select(row: y, in: inner, focused: focused) }
        }
        if calls.count > visible { scrollMark(top: top, visible: visible, count: calls.count, rect: rect) }
    }

    /// The run's artifacts on the last rows of `inner` (at most a third of it, newest last);
    /// returns what is left above them for the calls.
    mutating func drawArtifacts(_ artifacts: [RunArtifact], in inner: Rect) -> Rect {
        let rows = min(artifacts.count + 1, max(2, inner.height / 3))
        let top = inner.maxY - rows
        let shown = artifacts.suffix(rows - 1)
        let header = artifacts.count > shown.count ? "artifacts \(artifacts.count) (newest \(shown.count))" : "artifacts \(artifacts.count)"
        grid.put(header, x: inner.x, y: top, style: theme[.title], maxWidth: inner.width)
        for (offset, a) in shown.enumerated() {
            let y = top + 1 + offset
            var x = inner.x + 2
            x += text(a.name, x: x, y: y, width: max(0, inner.width / 2 - 2), role: .text) + 2
            let rest = [a.mime, a.location == a.name ? nil : a.location].compactMap { $0 }.joined(separator: "  ")
            text(rest, x: x, y: y, width: max(0, inner.maxX - x), role: .dim)
        }
        return Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - rows)
    }

    /// Seconds from the run's start to its end, or to the latest call end or now.
    func timelineSpan(_ run: MonitorRun, calls: [TimelineCall]) -> Double {
        var span = run.end.map { $0.seconds(since: run.start) } ?? now.seconds(since: run.start)
        for entry in calls {
            span = max(span, (entry.call.end ?? entry.call.start).seconds(since: run.start))
        }
        return max(span, 0.001)
    }

    /// One call's bar: a track of dots with the call's extent drawn over it.
    mutating func drawBar(_ call: ToolCallRecord, run: MonitorRun, span: Double, x: Int, y: Int, width: Int) {
        guard width > 0 else { return }
        grid.put(String(repeating: "·", count: width), x: x, y: y, style: theme[.border], maxWidth: width)
        let startFraction = max(0, min(1, call.startOffset(in: run) / span))
        let endTime = call.end ?? (run.end ?? now)
        let endFraction = max(startFraction, min(1, endTime.seconds(since: run.start) / span))
        let first = min(width - 1, Int((startFraction * Double(width)).rounded(.down)))
        let last = max(first + 1, min(width, Int((endFraction * Double(width)).rounded(.up))))
        grid.put(String(repeating: "━", count: last - first), x: x + first, y: y,
                 style: theme[UIFormat.role(call.status)], maxWidth: last - first)
    }
}
