import CharmTelemetry

/// The two header rows: the title, sources and their states, the event rate, pause and end
/// indicators and the clock; then the totals and the filter. It owns no state: what it
/// shows is the model's (through its view) and the UI's (pause, end of stream, filter).
struct HeaderBar: Component {
    /// What the header draws: totals the model keeps up to date, and the sources.
    struct View: Sendable {
        /// The model's counters.
        var counters = MonitorCounters()
        /// The live model's event count (the paused indicator tells how many were not seen).
        var liveEvents = 0
        /// Events per second.
        var eventsPerSecond = 0.0
        /// Runs kept.
        var runs = 0
        /// Of which running.
        var running = 0
        /// Tool calls in the runs kept.
        var calls = 0
        /// Sources in order of first appearance.
        var sources: [MonitorSource] = []
    }

    /// Builds the view from the model shown (`shown`) and the live one.
    static func view(_ shown: MonitorModel, live: MonitorModel, now: Timestamp) -> View {
        View(
            counters: shown.counters, liveEvents: live.counters.events, eventsPerSecond: shown.eventsPerSecond(now: now),
            runs: shown.runs.count, running: shown.runningRuns, calls: shown.keptToolCalls, sources: shown.orderedSources)
    }

    /// The header holds nothing of its own to update.
    mutating func update(_ action: Void, context: Void) -> [Never] { [] }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let ui = p.ui
        let now = p.now
        p.grid.fill(rect: rect, style: p.theme[.header])
        var x = rect.x + 1
        let y = rect.y
        x += p.grid.put("charm-monitor", x: x, y: y, style: p.theme[.title])
        x += 2

        // Right side first, so the sources get whatever room is left. The indicators
        // come first; on a narrow screen the clock and then the rate give way, so the
        // title is never overwritten.
        func width(_ pieces: [(String, ThemeRole)]) -> Int { pieces.reduce(0) { $0 + DisplayWidth.of($1.0) } }
        let room = rect.width - 17
        let unseen = ui.stepping == nil ? ui.paused.map { UIFormat.count(max(0, view.liveEvents - $0.eventsAtPause)) } : nil
        // The step's event time to the millisecond (`08:00:03.250`): steps are often closer.
        let step = ui.stepping.map { s in "step \(s.step)/\(s.total) · \(s.at.rfc3339.dropFirst(11).prefix(12))" }
        var right: [(String, ThemeRole)] = []
        if let label = ui.recordedSession { right += [(" ⏺ recorded \(label) ", .info), ("  ", .text)] }
        if let rec = ui.recording { right += [rec.piece, ("  ", .text)] }
        if ui.streamEnded && ui.recordedSession == nil { right += [(" stream ended · q quits ", .info), ("  ", .text)] }
        if let unseen { right += [(" ⏸ PAUSED +\(unseen) unseen ", .warning), ("  ", .text)] }
        if let step { right += [(" ⏵ \(step) ", .info), ("  ", .text)] }
        if width(right) > room {
            right = []
            if let label = ui.recordedSession { right += [(" \(label) ", .info), (" ", .text)] }
            if let rec = ui.recording { right += [rec.piece, (" ", .text)] }
            if ui.streamEnded && ui.recordedSession == nil { right += [(" stream ended ", .info), (" ", .text)] }
            if let unseen { right += [(" PAUSED +\(unseen) ", .warning), (" ", .text)] }
            if let step { right += [(" \(step) ", .info), (" ", .text)] }
        }
        let rate: (String, ThemeRole) = (UIFormat.rate(view.eventsPerSecond) + " ev/s", .accent)
        let clock: (String, ThemeRole) = (UIFormat.clock(now), .timestamp)
        if width(right + [rate, ("  ", .text), clock]) <= room {
            right += [rate, ("  ", .text), clock]
        } else if width(right + [rate]) <= room {
            right.append(rate)
        }
        let rightWidth = width(right)
        var rx = rect.maxX - 1 - rightWidth
        for (piece, role) in right {
            var style = p.theme[role]
            if piece.hasPrefix(" ⏸") || piece.hasPrefix(" PAUSED") || piece.hasPrefix(" stream") || piece.hasPrefix(" ⏵")
                || piece.hasPrefix(" step") || piece.hasPrefix(" REC l") || piece.hasPrefix(" REC f")
            {
                style = style.adding(.reverse)
            }
            rx += p.grid.put(piece, x: rx, y: y, style: style)
        }

        let sourceRoom = rect.maxX - 1 - rightWidth - 2 - x
        var sourcesText: [(String, ThemeRole)] = []
        for source in view.sources {
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
            used += p.grid.put(piece, x: x + used, y: y, style: p.theme[role], maxWidth: sourceRoom - used)
        }

        // Row 2: totals.
        let c = view.counters
        var stats: [(String, String, ThemeRole)] = [
            ("events", UIFormat.count(c.events), .accent),
            ("runs", UIFormat.count(view.runs) + (rect.width >= 100 ? " (\(view.running) running)" : ""), .accent),
            ("calls", UIFormat.count(view.calls), .accent),
            ("errors", UIFormat.count(c.errors), c.errors > 0 ? .error : .accent),
            ("malformed", UIFormat.count(c.malformed), c.malformed > 0 ? .warning : .accent),
            ("dropped", UIFormat.count(c.dropped), c.dropped > 0 ? .warning : .accent),
        ]
        if c.evictedRuns > 0 { stats.append(("evicted runs", UIFormat.count(c.evictedRuns), .warning)) }
        x = rect.x + 1
        for (label, value, role) in stats where x < rect.maxX - 1 {
            x += p.grid.put(label + " ", x: x, y: y + 1, style: p.theme[.dim], maxWidth: rect.maxX - 1 - x)
            x += p.grid.put(value, x: x, y: y + 1, style: p.theme[role], maxWidth: rect.maxX - 1 - x)
            x += 2
        }
        if !ui.filter.isEmpty, x < rect.maxX - 1 {
            x += p.grid.put("filter ", x: x, y: y + 1, style: p.theme[.dim], maxWidth: rect.maxX - 1 - x)
            p.grid.put(ui.filter, x: x, y: y + 1, style: p.theme[.highlight], maxWidth: rect.maxX - 1 - x)
        }
    }
}
