import CharmTelemetry
import Foundation

extension UIPainter {
    /// The selected run's streamed tokens, wrapped; a rate line with a sparkline on top.
    mutating func drawTokens(in rect: Rect, run: MonitorRun?) {
        let focused = ui.focus == .tokens
        let follow = ui.followTokens ? "following" : "↑\(ui.tokenScrollFromBottom) · f follows"
        let inner = box(rect, title: run.map { "Tokens · \($0.id)" } ?? "Tokens", focused: focused, note: follow)
        guard inner.height > 0 else { return }
        guard let run else {
            empty("select a run", in: inner)
            return
        }
        // Rate line: sparkline of tokens/s, the current rate and the count.
        let rate = run.tokensPerSecond(now: now)
        let info = " \(UIFormat.rate(rate)) tok/s · \(UIFormat.count(run.tokenCount)) tokens"
        let sparkWidth = max(0, min(ui.tokenRateSamples.count, inner.width - DisplayWidth.of(info) - 1))
        let spark = UIFormat.sparkline(ui.tokenRateSamples, width: sparkWidth)
        grid.put(spark, x: inner.x, y: inner.y, style: theme[.sparkline], maxWidth: sparkWidth)
        grid.put(info, x: inner.x + DisplayWidth.of(spark), y: inner.y, style: theme[.dim], maxWidth: inner.width - sparkWidth)

        let rows = max(0, inner.height - 1)
        guard rows > 0 else { return }
        guard !run.text.isEmpty else {
            empty("no tokens streamed yet", in: inner.inset(top: 1))
            return
        }
        let lines = tailLines(of: run.text, width: inner.width, count: rows + ui.tokenScrollFromBottom)
        let fromBottom = min(ui.tokenScrollFromBottom, max(0, lines.count - rows))
        let end = lines.count - fromBottom
        let start = max(0, end - rows)
        for (offset, line) in lines[start..<end].enumerated() {
            text(line, x: inner.x, y: inner.y + 1 + offset, width: inner.width, role: .text)
        }
    }

    /// The last `count` wrapped lines of `text`, wrapping only its tail: the text may hold
    /// a megabyte and this runs every frame. The tail starts at a line break where one is
    /// near, so its first line wraps the way the whole text would.
    func tailLines(of text: String, width: Int, count: Int) -> [String] {
        let budget = (count + 2) * max(1, width) * 4
        var tail = text
        if text.utf8.count > budget {
            // Decoding a byte suffix may split a scalar; its first line is dropped anyway.
            tail = String(decoding: text.utf8.suffix(budget), as: UTF8.self)
            if let newline = tail.firstIndex(of: "\n"), tail.utf8.distance(from: tail.startIndex, to: newline) < budget / 2 {
                tail = String(tail[tail.index(after: newline)...])
            } else {
                tail = String(tail.dropFirst())
            }
        }
        let lines = DisplayWidth.wrap(tail, width: width)
        return Array(lines.suffix(count))
    }

    /// Raw prints, thinking and status lines, newest at the bottom.
    mutating func drawLog(in rect: Rect) {
        let focused = ui.focus == .log
        let entries = UIRows.log(model, filter: ui.filter)
        let note = model.log.dropped > 0 ? "\(model.log.dropped) older dropped" : "\(entries.count)"
        let inner = box(rect, title: "Log", focused: focused, note: note)
        guard inner.height > 0 else { return }
        guard !entries.isEmpty else {
            empty("no raw prints, thinking or status lines yet", in: inner)
            return
        }
        let rows = inner.height
        let fromBottom = min(ui.logScrollFromBottom, max(0, entries.count - rows))
        let end = entries.count - fromBottom
        let start = max(0, end - rows)
        for (offset, entry) in entries[start..<end].enumerated() {
            let y = inner.y + offset
            var x = inner.x
            x += grid.put(UIFormat.clock(entry.at) + " ", x: x, y: y, style: theme[.timestamp], maxWidth: inner.width)
            let role: ThemeRole =
                switch entry.kind {
                case .raw: .text
                case .thinking: .thinking
                case .status: .info
                }
            let kind = entry.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            x += grid.put(kind, x: x, y: y, style: theme[.dim], maxWidth: inner.maxX - x)
            text(UIFormat.oneLine(entry.text), x: x, y: y, width: inner.maxX - x, role: role)
        }
    }

    /// Every problem, newest at the bottom: time, kind, where, and what.
    mutating func drawErrors(in rect: Rect) {
        let focused = ui.focus == .errors
        let errors = UIRows.errors(model, filter: ui.filter)
        let dropped = model.counters.errors - model.errors.count
        let note = dropped > 0 ? "\(dropped) older dropped · g: go to run" : "g: go to run"
        let inner = box(rect, title: "Errors \(UIFormat.count(model.counters.errors))", focused: focused, note: note)
        guard inner.height > 0 else { return }
        guard !errors.isEmpty else {
            empty("no errors", in: inner)
            return
        }
        let selected = UIRows.selectedErrorIndex(errors, state: ui)
        let top = UIRows.window(selected: selected, count: errors.count, visible: inner.height, stored: ui.scroll[.errors] ?? 0)
        for index in top..<min(errors.count, top + inner.height) {
            let entry = errors[index]
            let y = inner.y + index - top
            var x = inner.x
            x += grid.put(UIFormat.clock(entry.at) + " ", x: x, y: y, style: theme[.timestamp])
            let kind = entry.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            let kindRole: ThemeRole = entry.kind == .run || entry.kind == .tool ? .error : .warning
            x += grid.put(kind, x: x, y: y, style: theme[kindRole], maxWidth: inner.maxX - x)
            var place = entry.runID ?? entry.source?.name ?? ""
            if let line = entry.line { place += ":\(line)" }
            if !place.isEmpty {
                let shown = DisplayWidth.truncate(place, to: min(24, max(0, inner.maxX - x) / 3))
                x += text(shown, x: x, y: y, width: inner.maxX - x, role: .accent)
                x += 1
            }
            var message = entry.message
            if let preview = entry.preview { message += " ⟨\(preview)⟩" }
            text(UIFormat.oneLine(message), x: x, y: y, width: max(0, inner.maxX - x), role: .text)
            if index == selected { select(row: y, in: inner, focused: focused) }
        }
        if errors.count > inner.height { scrollMark(top: top, visible: inner.height, count: errors.count, rect: rect) }
    }

    /// Every exporter with its switch, health and counters, and what it needs.
    mutating func drawExporters(in rect: Rect) {
        let focused = ui.focus == .exporters
        let enabled = exporters.filter(\.enabled).count
        let inner = box(rect, title: "Exporters \(enabled)/\(exporters.count) on", focused: focused, note: "Space: on/off")
        guard inner.height > 0 else { return }
        guard !exporters.isEmpty else {
            empty("no exporters registered", in: inner)
            return
        }
        let nameWidth = min(12, max(6, exporters.map { DisplayWidth.of($0.name) }.max() ?? 6))
        let columns: [(String, Int)] = [("health", 9), ("sent", 7), ("queue", 6), ("drop", 6)]
        var x = inner.x + 4
        grid.put("name", x: x, y: inner.y, style: theme[.dim], maxWidth: nameWidth)
        x += nameWidth + 1
        for (title, width) in columns where x + width <= inner.maxX {
            if title == "health" {
                grid.put(title, x: x, y: inner.y, style: theme[.dim])
            } else {
                rightAligned(title, maxX: x + width - 1, y: inner.y, role: .dim)
            }
            x += width
        }
        if x < inner.maxX { grid.put("note", x: x, y: inner.y, style: theme[.dim], maxWidth: inner.maxX - x) }

        let visible = max(1, inner.height - 1)
        let selected = min(ui.selectedExporterIndex, exporters.count - 1)
        let top = UIRows.window(selected: selected, count: exporters.count, visible: visible, stored: ui.scroll[.exporters] ?? 0)
        for index in top..<min(exporters.count, top + visible) {
            let row = exporters[index]
            let y = inner.y + 1 + index - top
            grid.put(row.enabled ? "[x]" : "[ ]", x: inner.x, y: y, style: theme[row.enabled ? .statusOk : .dim])
            var cx = inner.x + 4
            text(row.name, x: cx, y: y, width: nameWidth, role: row.enabled ? .toolName : .text)
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
                    grid.put(value, x: cx, y: y, style: theme[role], maxWidth: width - 1)
                } else {
                    rightAligned(value, maxX: cx + width - 1, y: y, role: role)
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
            if cx < inner.maxX { text(UIFormat.oneLine(note), x: cx, y: y, width: inner.maxX - cx, role: noteRole) }
            if index == selected { select(row: y, in: inner, focused: focused) }
        }
    }
}
