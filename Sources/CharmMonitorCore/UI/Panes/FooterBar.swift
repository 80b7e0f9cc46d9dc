import CharmTelemetry

/// The footer row: key hints for the focused pane, and on the right a status message (an
/// exporter toggled, a theme changed) or where stderr goes. Owns the message, which fades
/// after a few seconds.
struct FooterBar: Component, Hashable, Sendable {
    /// A one-line message (an exporter toggled, a theme changed).
    var message: String?
    /// When the message was set.
    var messageAt: Timestamp?
    /// Where stderr goes while the UI is up.
    var stderrLogPath: String?

    /// What the footer reacts to.
    enum Action {
        /// Show `message` from `at` on.
        case show(String, at: Timestamp)
        /// A frame at this time: a message older than 5 s goes.
        case tick(Timestamp)
    }

    mutating func update(_ action: Action, context: Void) -> [Never] {
        switch action {
        case .show(let text, let at):
            message = text
            messageAt = at
        case .tick(let now):
            if let at = messageAt, now.seconds(since: at) > 5 {
                message = nil
                messageAt = nil
            }
        }
        return []
    }

    func render(_ view: Void, into p: inout UIPainter, area rect: Rect) {
        guard rect.height > 0 else { return }
        p.grid.fill(rect: rect, style: p.theme[.footer])
        let y = rect.y
        var note: String?
        var noteRole = ThemeRole.footer
        if let message {
            note = message
            noteRole = .footerKey
        } else if let path = stderrLogPath {
            note = "stderr → \(path)"
        }
        // Hints get up to 60% of the row; the stderr log path (also printed on exit) takes
        // what is left, cut from its start. A status message says what a key just did (the
        // path of an export, what was copied) and is gone in seconds: the hints give way to
        // it, down to the first few.
        let hints = FooterBar.hints(p.ui)
        let noteNeed = note.map { DisplayWidth.of($0) } ?? 0
        let hintsRoom = message != nil ? max(16, rect.width - 4 - noteNeed) : max(rect.width * 3 / 5, rect.width - 2 - noteNeed)
        var hintsWidth = 0
        for (key, what) in hints {
            let piece = DisplayWidth.of(key) + 1 + DisplayWidth.of(what) + 2
            if hintsWidth + piece > hintsRoom { break }
            hintsWidth += piece
        }
        let noteWidth = note.map { min(DisplayWidth.of($0) + 2, max(0, rect.width - hintsWidth - 2)) } ?? 0
        var x = rect.x + 1
        let limit = rect.maxX - noteWidth - 1
        for (key, what) in hints where x < limit {
            let piece = DisplayWidth.of(key) + 1 + DisplayWidth.of(what) + 2
            guard x + piece <= limit else { break }
            x += p.grid.put(key, x: x, y: y, style: p.theme[.footerKey])
            x += p.grid.put(" " + what + "  ", x: x, y: y, style: p.theme[.footer])
        }
        if let note, noteWidth > 8 {
            // A message keeps its start (file:line of a theme error); a path its end.
            var shown = noteRole == .footerKey ? DisplayWidth.truncate(note, to: noteWidth - 1) : note
            while DisplayWidth.of(shown) > noteWidth - 1, shown.count > 1 { shown.removeFirst() }
            if shown != note, noteRole != .footerKey { shown = "…" + shown.dropFirst() }
            p.grid.put(shown, x: rect.maxX - 1 - DisplayWidth.of(shown), y: y, style: p.theme[noteRole])
        }
    }

    /// The hints for the focused pane, most useful first.
    static func hints(_ ui: UIState) -> [(String, String)] {
        var hints: [(String, String)] = [("q", "quit"), ("?", "help")]
        if ui.stepping != nil { hints += [("[ ]", "step"), ("Esc", "leave stepping")] }
        switch ui.focus {
        case .runs: hints += [("↑↓", "run"), ("⏎", "calls"), ("y", "copy"), ("x", "export")]
        case .tools: hints += [("↑↓", "call"), ("⏎", "detail"), ("y", "copy")]
        case .detail: hints += [("↑↓", "scroll"), ("Esc", "back"), ("y", "copy section"), ("Y", "copy call")]
        case .errors: hints += [("↑↓", "error"), ("g/⏎", "go to run")]
        case .exporters: hints += [("↑↓", "exporter"), ("Space", "on/off")]
        case .tokens: hints += [("↑↓", "scroll"), ("f", ui.followTokens ? "unfollow" : "follow")]
        case .log: hints += [("↑↓", "scroll")]
        case .compare:
            hints += ui.compareDiffOpen ? [("↑↓", "scroll"), ("Esc", "back")] : [("↑↓", "pair"), ("⏎", "diff"), ("Esc", "close")]
        case .toolStats:
            hints += ui.toolStatsPane.listing == nil
                ? [("↑↓", "tool"), ("⏎", "calls"), ("s/S", "sort"), ("Esc", "back")]
                : [("↑↓", "call"), ("⏎", "go to call"), ("Esc", "tools")]
        }
        hints += [
            ("Tab", "pane"), ("/", "filter"), ("p", ui.paused == nil ? "pause" : "resume"), ("e", "exporters"),
            ("l", ui.showLog ? "tokens" : "log"), ("t", "theme"), ("m", "mark"), ("c", "compare"),
        ]
        return hints
    }
}
