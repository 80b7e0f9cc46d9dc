import CharmTelemetry

/// Two runs side by side (`c`): the marked run on the left, the selected run on the right,
/// their calls aligned (see `RunAlignment`), the first divergence highlighted and selected
/// at open, each pair's status, duration and tokens and their difference. Enter opens the
/// selected pair's diff (inputs, outputs, errors, line by line); Esc goes back.
///
/// Owns the mark (a copy of a run's calls, so it outlives the run's eviction) and the
/// alignment, which is a snapshot taken when `c` was pressed: aligning on every frame
/// would redo a diff of two whole runs at the frame rate for a view that changes only when
/// a compared run is still running (`c` again takes a new snapshot).
struct ComparePane: MonitorPane {
    /// The marked run, compared as the left side.
    var mark: ComparableRun?
    /// The comparison shown; `nil` while the view is closed.
    var alignment: RunAlignment?
    /// The selected row.
    var selected = 0
    /// The first row shown.
    var top = 0
    /// The selected pair's diff, while open (lines before wrapping).
    var diff: [StyledLine]?
    /// The diff's first line shown.
    var diffScroll = 0

    /// Opens `alignment` with its first divergence (or its first row) selected.
    mutating func open(_ alignment: RunAlignment) {
        self.alignment = alignment
        selected = alignment.firstDivergence ?? 0
        top = 0
        diff = nil
        diffScroll = 0
    }

    /// Closes the view (and its pair diff).
    mutating func close() {
        alignment = nil
        diff = nil
        diffScroll = 0
    }

    /// Closes the pair diff if open, else the whole view; false when nothing was open.
    mutating func back() -> Bool {
        if diff != nil {
            diff = nil
            diffScroll = 0
            return true
        }
        guard alignment != nil else { return false }
        alignment = nil
        return true
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        guard let alignment else { return [] }
        let visible = context.visible(.compare)
        if let diff {
            guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
            let width = max(1, context.layout.inner(.compare).width)
            let total = diff.reduce(0) { $0 + $1.wrapped(width: width).count }
            diffScroll = min(max(0, diffScroll.saturatingAdd(delta)), max(0, total - context.layout.visibleRows(.compare)))
            return []
        }
        switch input {
        case .action(.open):
            guard selected < alignment.rows.count else { return [] }
            diff = ComparePane.diffLines(alignment.rows[selected], index: selected, alignment: alignment)
            diffScroll = 0
            return []
        case .action, .scroll:
            guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
            selected = selected.moved(by: delta, count: alignment.rows.count)
            top = UIRows.window(selected: selected, count: alignment.rows.count, visible: visible, stored: top)
            return []
        case .click(let row):
            let top = UIRows.window(selected: selected, count: alignment.rows.count, visible: visible, stored: self.top)
            guard row >= 0, top + row < alignment.rows.count else { return [] }
            selected = top + row
            self.top = top
            return []
        }
    }

    func render(_ view: Void, into p: inout UIPainter, area rect: Rect) {
        guard let alignment else { return }
        if let diff {
            renderDiff(diff, alignment: alignment, into: &p, area: rect)
        } else {
            renderRows(alignment, into: &p, area: rect)
        }
    }

    // MARK: Rows

    private func renderRows(_ a: RunAlignment, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .compare
        let note = a.firstDivergence.map { "first divergence: row \($0 + 1) · ⏎ diff · Esc back" } ?? "no divergence · Esc back"
        let inner = p.box(rect, title: "Compare · ◇ \(a.left.id) ⇄ \(a.right.id)", focused: focused, note: note)
        guard inner.height > 0 else { return }
        let numberWidth = String(a.rows.count).count + 1
        let deltaWidth = inner.width >= 100 ? 16 : 9
        // mark, space, number, space, left, " │ ", right, space, deltas
        let side = max(8, (inner.width - 7 - numberWidth - deltaWidth) / 2)
        let leftX = inner.x + 2 + numberWidth + 1
        let rightX = leftX + side + 3
        let deltaX = rightX + side + 1
        func heading(_ run: ComparableRun, marked: Bool, x: Int) {
            var text = (marked ? "◇ " : "") + run.label + " · \(run.calls.count) call\(run.calls.count == 1 ? "" : "s")"
            if run.droppedCalls > 0 { text += " (+\(run.droppedCalls) dropped)" }
            p.text(text, x: x, y: inner.y, width: side, role: .title)
        }
        p.rightAligned("#", maxX: inner.x + 2 + numberWidth, y: inner.y, role: .dim)
        heading(a.left, marked: true, x: leftX)
        heading(a.right, marked: false, x: rightX)
        p.text("Δ", x: deltaX, y: inner.y, width: deltaWidth, role: .dim)
        guard !a.rows.isEmpty else {
            p.empty("neither run made a tool or LLM call", in: inner.inset(top: 1))
            return
        }
        let visible = max(1, inner.height - 1)
        let top = UIRows.window(selected: selected, count: a.rows.count, visible: visible, stored: self.top)
        for index in top..<min(a.rows.count, top + visible) {
            let row = a.rows[index]
            let y = inner.y + 1 + index - top
            let markRole: ThemeRole =
                switch row.relation {
                case .same: row.statusDiffers ? .statusError : .dim
                case .changed: .warning
                case .onlyLeft: .diffRemoved
                case .onlyRight: .diffAdded
                }
            p.text(RunAlignment.mark(row), x: inner.x, y: y, width: 1, role: markRole)
            p.rightAligned(String(index + 1), maxX: inner.x + 2 + numberWidth, y: y, role: .dim)
            drawCall(row.left, other: row.right, x: leftX, y: y, width: side, into: &p)
            p.text("│", x: rightX - 2, y: y, width: 1, role: .border)
            drawCall(row.right, other: row.left, x: rightX, y: y, width: side, into: &p)
            var deltas: [String] = []
            if let d = row.durationDelta { deltas.append(RunAlignment.signedDuration(d)) }
            if let t = row.tokensDelta { deltas.append(RunAlignment.signedTokens(t)) }
            let slower = (row.durationDelta ?? 0) > 0.0005 || (row.tokensDelta ?? 0) > 0
            p.text(deltas.joined(separator: " "), x: deltaX, y: y, width: deltaWidth, role: slower ? .warning : .timestamp)
            if index == a.firstDivergence { p.emphasize(row: y, in: inner, role: .divergence) }
            if index == selected { p.select(row: y, in: inner, focused: focused) }
        }
        if a.rows.count > visible { p.scrollMark(top: top, visible: visible, count: a.rows.count, rect: rect) }
    }

    /// One side of a row: status glyph, name, input (where it differs from `other`'s, when
    /// it does not fit), and duration and tokens on the right.
    private func drawCall(_ call: ComparableCall?, other: ComparableCall?, x: Int, y: Int, width: Int, into p: inout UIPainter) {
        guard let call else { return }
        let measures = RunAlignment.measures(call)
        let measuresWidth = min(DisplayWidth.of(measures), max(0, width / 3))
        p.text(UIFormat.glyph(call.status), x: x, y: y, width: 1, role: UIFormat.role(call.status))
        var cx = x + 2
        let nameRole: ThemeRole = call.kind == .llm ? .accent : .toolName
        let name = (call.kind == .llm ? "◆ " : "") + call.name
        let nameRoom = max(0, min(DisplayWidth.of(name), 18, width - 2 - measuresWidth - 1))
        cx += p.text(name, x: cx, y: y, width: nameRoom, role: nameRole) + 1
        let room = max(0, x + width - measuresWidth - 1 - cx)
        p.text(RunAlignment.preview(call.input, against: other?.input, room: room), x: cx, y: y, width: room, role: .dim)
        p.rightAligned(
            DisplayWidth.truncate(measures, to: measuresWidth), maxX: x + width, y: y,
            role: call.duration == nil ? .statusRunning : .timestamp)
    }

    // MARK: Pair diff

    private func renderDiff(_ diff: [StyledLine], alignment a: RunAlignment, into p: inout UIPainter, area rect: Rect) {
        let inner = rect.inset(by: 1)
        var lines: [StyledLine] = []
        for line in diff { lines += line.wrapped(width: max(1, inner.width)) }
        let top = min(diffScroll, max(0, lines.count - inner.height))
        let position = lines.count > inner.height ? "\(top + 1)–\(min(lines.count, top + inner.height))/\(lines.count) · " : ""
        let row = a.rows[min(selected, a.rows.count - 1)]
        p.box(rect, title: "Diff · row \(selected + 1) · \(row.name) · \(row.reason)", focused: p.ui.focus == .compare,
              note: position + "- \(a.left.id)  + \(a.right.id) · Esc back")
        guard inner.height > 0 else { return }
        for (offset, line) in lines[top..<min(lines.count, top + inner.height)].enumerated() {
            var x = inner.x
            for segment in line.segments where x < inner.maxX {
                x += p.text(segment.text, x: x, y: inner.y + offset, width: inner.maxX - x, role: segment.role)
            }
        }
    }

    /// The diff of one aligned pair: each side's status, duration and tokens, then the
    /// inputs, the outputs and the errors, each as a line diff (`-` left, `+` right).
    static func diffLines(_ row: AlignedRow, index: Int, alignment: RunAlignment) -> [StyledLine] {
        func side(_ label: String, _ call: ComparableCall?, _ run: ComparableRun) -> StyledLine {
            guard let call else { return StyledLine([.init(label, .dim), .init("no call here in \(run.id)", .dim)]) }
            var segments: [StyledLine.Segment] = [
                .init(label, .dim), .init(UIFormat.glyph(call.status) + " " + call.status.rawValue, UIFormat.role(call.status)),
                .init("  " + RunAlignment.measures(call), .timestamp),
                .init("  call \(call.callID)" + (call.runID == run.id ? "" : " · run \(call.runID)"), .dim),
            ]
            if let i = call.inputTokens, let o = call.outputTokens { segments.append(.init("  tokens \(i)/\(o)", .dim)) }
            return StyledLine(segments)
        }
        var lines = [side("- left   ", row.left, alignment.left), side("+ right  ", row.right, alignment.right)]
        var deltas: [String] = []
        if let d = row.durationDelta { deltas.append("duration " + RunAlignment.signedDuration(d)) }
        if let t = row.tokensDelta { deltas.append("tokens " + RunAlignment.signedTokens(t)) }
        if !deltas.isEmpty { lines.append(StyledLine([.init("  Δ      ", .dim), .init(deltas.joined(separator: " · "), .accent)])) }
        func section(_ title: String, _ old: String?, _ new: String?) {
            guard old != nil || new != nil else { return }
            lines.append(StyledLine())
            let same = old == new
            lines.append(StyledLine("── \(title)\(same ? " (identical)" : "") ──", .title))
            let diff: [LineDiff.Line] =
                switch (old, new) {
                case (let old?, let new?): LineDiff.lines(old: old, new: new)
                case (let old?, nil): DetailPane.body(old).map { LineDiff.Line(.removed, $0) }
                case (nil, let new?): DetailPane.body(new).map { LineDiff.Line(.added, $0) }
                case (nil, nil): []
                }
            for line in diff {
                switch line.change {
                case .same: lines.append(StyledLine([.init("  ", .text)] + line.line.segments))
                case .removed: lines.append(StyledLine("- " + line.line.text, .diffRemoved))
                case .added: lines.append(StyledLine("+ " + line.line.text, .diffAdded))
                }
            }
        }
        section("input", row.left?.input, row.right?.input)
        section("output", row.left?.output, row.right?.output)
        section("error", row.left?.error, row.right?.error)
        return lines
    }
}
