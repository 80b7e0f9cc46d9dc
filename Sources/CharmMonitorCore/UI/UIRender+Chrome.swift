import CharmTelemetry

extension UIPainter {
    // MARK: Header

    /// Two rows: the title, sources and their states, the event rate, pause and end
    /// indicators and the clock; then the totals and the filter.
    mutating func drawHeader() {
        let rect = layout.header
        grid.fill(rect: rect, style: theme[.header])
        var x = rect.x + 1
        let y = rect.y
        x += grid.put("charm-monitor", x: x, y: y, style: theme[.title])
        x += 2

        // Right side first, so the sources get whatever room is left. The indicators
        // come first; on a narrow screen the clock and then the rate give way, so the
        // title is never overwritten.
        func width(_ pieces: [(String, ThemeRole)]) -> Int { pieces.reduce(0) { $0 + DisplayWidth.of($1.0) } }
        let room = rect.width - 17
        let unseen = ui.paused.map { UIFormat.count(max(0, live.counters.events - $0.eventsAtPause)) }
        var right: [(String, ThemeRole)] = []
        if ui.streamEnded { right += [(" stream ended · q quits ", .info), ("  ", .text)] }
        if let unseen { right += [(" ⏸ PAUSED +\(unseen) unseen ", .warning), ("  ", .text)] }
        if width(right) > room {
            right = []
            if ui.streamEnded { right += [(" stream ended ", .info), (" ", .text)] }
            if let unseen { right += [(" PAUSED +\(unseen) ", .warning), (" ", .text)] }
        }
        let rate: (String, ThemeRole) = (UIFormat.rate(model.eventsPerSecond(now: now)) + " ev/s", .accent)
        let clock: (String, ThemeRole) = (UIFormat.clock(now), .timestamp)
        if width(right + [rate, ("  ", .text), clock]) <= room {
            right += [rate, ("  ", .text), clock]
        } else if width(right + [rate]) <= room {
            right.append(rate)
        }
        let rightWidth = width(right)
        var rx = rect.maxX - 1 - rightWidth
        for (piece, role) in right {
            var style = theme[role]
            if piece.hasPrefix(" ⏸") || piece.hasPrefix(" PAUSED") || piece.hasPrefix(" stream") {
                style = style.adding(.reverse)
            }
            rx += grid.put(piece, x: rx, y: y, style: style)
        }

        let sourceRoom = rect.maxX - 1 - rightWidth - 2 - x
        var sourcesText: [(String, ThemeRole)] = []
        for source in model.orderedSources {
            let (glyph, role): (String, ThemeRole) =
                switch source.state {
                case .open: ("●", .statusOk)
                case .connecting, .waiting: ("◌", .statusRunning)
                case .ended: ("✓", .dim)
                case .failed: ("✗", .statusError)
                }
            sourcesText.append(("\(glyph) ", role))
            sourcesText.append(("\(source.id.name) \(source.state.rawValue)", .text))
            // A listener lists only its live connections; the ended ones are in its totals.
            if source.connections > 0 {
                let failed = source.failedConnections > 0 ? ", \(UIFormat.count(source.failedConnections)) failed" : ""
                sourcesText.append((" (\(UIFormat.count(source.connections)) conn\(failed))", .dim))
            }
            // Charm's runner beats every 5 s while the container lives: a quiet agent is
            // still alive while the last beat is recent.
            if let beat = source.lastHeartbeat, source.state == .open {
                let age = max(0, now.seconds(since: beat))
                sourcesText.append((" ♥\(UIFormat.duration(age))", age <= 15 ? .statusOk : .statusRunning))
            }
            sourcesText.append(("  ", .text))
        }
        if sourcesText.isEmpty { sourcesText.append(("waiting for sources…", .dim)) }
        var used = 0
        for (piece, role) in sourcesText where used < sourceRoom {
            used += grid.put(piece, x: x + used, y: y, style: theme[role], maxWidth: sourceRoom - used)
        }

        // Row 2: totals.
        let c = model.counters
        let running = model.runs.values.reduce(0) { $0 + ($1.status == .running ? 1 : 0) }
        let calls = model.runs.values.reduce(0) { $0 + $1.toolCallCount }
        var stats: [(String, String, ThemeRole)] = [
            ("events", UIFormat.count(c.events), .accent),
            ("runs", UIFormat.count(model.runs.count) + (rect.width >= 100 ? " (\(running) running)" : ""), .accent),
            ("calls", UIFormat.count(calls), .accent),
            ("errors", UIFormat.count(c.errors), c.errors > 0 ? .error : .accent),
            ("malformed", UIFormat.count(c.malformed), c.malformed > 0 ? .warning : .accent),
            ("dropped", UIFormat.count(c.dropped), c.dropped > 0 ? .warning : .accent),
        ]
        if c.evictedRuns > 0 { stats.append(("evicted runs", UIFormat.count(c.evictedRuns), .warning)) }
        x = rect.x + 1
        for (label, value, role) in stats where x < rect.maxX - 1 {
            x += grid.put(label + " ", x: x, y: y + 1, style: theme[.dim], maxWidth: rect.maxX - 1 - x)
            x += grid.put(value, x: x, y: y + 1, style: theme[role], maxWidth: rect.maxX - 1 - x)
            x += 2
        }
        if !ui.filter.isEmpty, x < rect.maxX - 1 {
            x += grid.put("filter ", x: x, y: y + 1, style: theme[.dim], maxWidth: rect.maxX - 1 - x)
            grid.put(ui.filter, x: x, y: y + 1, style: theme[.highlight], maxWidth: rect.maxX - 1 - x)
        }
    }

    // MARK: Footer

    /// Key hints, or the filter being typed; the status message or the stderr log path on
    /// the right.
    mutating func drawFooter() {
        let rect = layout.footer
        guard rect.height > 0 else { return }
        grid.fill(rect: rect, style: theme[.footer])
        let y = rect.y
        if ui.filterEditing {
            var x = rect.x + 1
            x += grid.put("filter: ", x: x, y: y, style: theme[.footerKey])
            let room = max(0, rect.maxX - 30 - x)
            // One pass from the end: a pasted 16k-character draft used to be trimmed a
            // character at a time, re-measuring the whole string each time, every frame.
            let draft = DisplayWidth.suffix(ui.filterDraft, fitting: room - 1)
            x += grid.put(String(draft), x: x, y: y, style: theme[.footer], maxWidth: room)
            grid.put("▏", x: x, y: y, style: theme[.footerKey])
            let hint = "Enter apply · Esc cancel"
            grid.put(hint, x: rect.maxX - 1 - hint.count, y: y, style: theme[.footer])
            return
        }
        var note: String?
        var noteRole = ThemeRole.footer
        if let message = ui.statusMessage {
            note = message
            noteRole = .footerKey
        } else if let path = ui.stderrLogPath {
            note = "stderr → \(path)"
        }
        // Hints get up to 60% of the row; the note (a status message, or the stderr log
        // path, which is also printed on exit) takes what is left, cut from its start.
        var hintsWidth = 0
        for (key, what) in footerHints {
            let piece = DisplayWidth.of(key) + 1 + DisplayWidth.of(what) + 2
            if hintsWidth + piece > max(rect.width * 3 / 5, rect.width - 2 - (note.map { DisplayWidth.of($0) } ?? 0)) { break }
            hintsWidth += piece
        }
        let noteWidth = note.map { min(DisplayWidth.of($0) + 2, max(0, rect.width - hintsWidth - 2)) } ?? 0
        var x = rect.x + 1
        let limit = rect.maxX - noteWidth - 1
        for (key, what) in footerHints where x < limit {
            let piece = DisplayWidth.of(key) + 1 + DisplayWidth.of(what) + 2
            guard x + piece <= limit else { break }
            x += grid.put(key, x: x, y: y, style: theme[.footerKey])
            x += grid.put(" " + what + "  ", x: x, y: y, style: theme[.footer])
        }
        if let note, noteWidth > 8 {
            // A message keeps its start (file:line of a theme error); a path its end.
            var shown = noteRole == .footerKey ? DisplayWidth.truncate(note, to: noteWidth - 1) : note
            while DisplayWidth.of(shown) > noteWidth - 1, shown.count > 1 { shown.removeFirst() }
            if shown != note, noteRole != .footerKey { shown = "…" + shown.dropFirst() }
            grid.put(shown, x: rect.maxX - 1 - DisplayWidth.of(shown), y: y, style: theme[noteRole])
        }
    }

    /// The hints for the focused pane, most useful first.
    var footerHints: [(String, String)] {
        var hints: [(String, String)] = [("q", "quit"), ("?", "help")]
        switch ui.focus {
        case .runs: hints += [("↑↓", "run"), ("⏎", "calls")]
        case .tools: hints += [("↑↓", "call"), ("⏎", "detail")]
        case .detail: hints += [("↑↓", "scroll"), ("Esc", "back")]
        case .errors: hints += [("↑↓", "error"), ("g/⏎", "go to run")]
        case .exporters: hints += [("↑↓", "exporter"), ("Space", "on/off")]
        case .tokens: hints += [("↑↓", "scroll"), ("f", ui.followTokens ? "unfollow" : "follow")]
        case .log: hints += [("↑↓", "scroll")]
        }
        hints += [
            ("Tab", "pane"), ("/", "filter"), ("p", ui.paused == nil ? "pause" : "resume"), ("e", "exporters"),
            ("l", ui.showLog ? "tokens" : "log"), ("t", "theme"),
        ]
        return hints
    }

    // MARK: Help

    /// The key map in a centred box: generated from `UIKeyMap`, the same map that matches
    /// keys, plus the mouse (which has no key).
    mutating func drawHelp() {
        let rows = UIKeyMap.entries.map { ($0.label, $0.summary) } + [("mouse", "click selects, wheel scrolls")]
        let keyWidth = rows.map { DisplayWidth.of($0.0) }.max() ?? 0
        let lineWidth = rows.map { keyWidth + 2 + DisplayWidth.of($0.1) }.max() ?? 0
        let width = min(grid.width - 4, lineWidth + 4)
        let height = min(grid.height - 2, rows.count + 4)
        let rect = Rect(x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height)
        grid.fill(rect: rect, style: theme[.text])
        let inner = box(rect, title: "Keys", focused: true, note: "any key closes")
        for (index, row) in rows.enumerated() where index + 1 < inner.height {
            let y = inner.y + 1 + index
            grid.put(row.0, x: inner.x + 1, y: y, style: theme[.accent], maxWidth: keyWidth)
            grid.put(row.1, x: inner.x + 1 + keyWidth + 2, y: y, style: theme[.text],
                     maxWidth: max(0, inner.width - keyWidth - 3))
        }
    }
}
