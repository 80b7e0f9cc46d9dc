import CharmTelemetry

/// One row of the session picker: a recorded session, or a search hit in one (with the run
/// to select when it opens).
package struct PickerRow: Hashable, Sendable {
    /// The session's id in the recording.
    package var sessionID: Int64
    /// The run to select when it opens (a search hit's), if any.
    package var runID: String?
    /// What the row says.
    package var text: String

    /// A row with every field given.
    package init(sessionID: Int64, runID: String? = nil, text: String) {
        self.sessionID = sessionID
        self.runID = runID
        self.text = text
    }
}

/// The session picker (`o`): recorded sessions in a centred box, newest first; Enter opens
/// one, `/` types a full-text search across every session whose hits replace the list
/// (Enter on a hit opens its session with that run selected), Esc or `o` closes. Pure: the
/// rows come from the front end (`UIMessage.pickerRows`), which reads the recording; what
/// the user asks for goes out as effects.
struct SessionPicker: Component, Hashable, Sendable {
    /// Whether it is shown.
    var visible = false
    /// The rows shown: sessions, or a search's hits.
    var rows: [PickerRow] = []
    /// Whether `rows` are search hits.
    var showingHits = false
    /// The selected row.
    var selected = 0
    /// Whether the search is being typed.
    var typing = false
    /// The search text.
    var query = ""
    /// Said instead of rows (nothing recorded, no match, the recording cannot be read).
    var note: String?

    /// What the owner must do after a key.
    enum Effect: Equatable {
        /// Open this session, selecting this run.
        case open(PickerRow)
        /// Search every session for this text.
        case search(String)
        /// List the sessions again (leaving a search).
        case list
    }

    /// Shows `rows` (sessions, or hits when `hits`), or `note` when there are none.
    mutating func show(_ rows: [PickerRow], hits: Bool, note: String?) {
        visible = true
        self.rows = rows
        showingHits = hits
        selected = 0
        self.note = rows.isEmpty ? (note ?? (hits ? "no match" : "no session recorded yet")) : nil
    }

    /// A key while the picker is shown.
    mutating func update(_ key: Key, context: Void) -> [Effect] {
        if typing {
            switch key {
            case .enter:
                typing = false
                return query.isEmpty ? [] : [.search(query)]
            case .escape: typing = false
            case .backspace: if !query.isEmpty { query.removeLast() }
            case .ctrl("u"): query = ""
            case .char(let c): if query.utf8.count < FilterPrompt.maxBytes { query.append(c) }
            default: break
            }
            return []
        }
        switch key {
        case .char("j"), .down: selected = min(max(0, rows.count - 1), selected + 1)
        case .char("k"), .up: selected = max(0, selected - 1)
        case .char("g"), .home: selected = 0
        case .char("G"), .end: selected = max(0, rows.count - 1)
        case .pageDown: selected = min(max(0, rows.count - 1), selected + 10)
        case .pageUp: selected = max(0, selected - 10)
        case .char("/"):
            typing = true
            query = ""
        case .enter:
            if rows.indices.contains(selected) {
                visible = false
                return [.open(rows[selected])]
            }
        case .escape:
            if showingHits { return [.list] }
            visible = false
        case .char("o"), .char("q"):
            visible = false
        default: break
        }
        return []
    }

    /// Draws over the whole screen (`area`), centred.
    func render(_ view: Void, into p: inout UIPainter, area screen: Rect) {
        let width = min(screen.width - 4, 110)
        let height = min(screen.height - 2, max(8, min(rows.count + 4, 24)))
        guard width > 10, height > 4 else { return }
        let rect = Rect(x: (screen.width - width) / 2, y: (screen.height - height) / 2, width: width, height: height)
        p.grid.fill(rect: rect, style: p.theme[.text])
        let title = showingHits ? "Search: \(query)" : "Recorded sessions"
        let inner = p.box(rect, title: title, focused: true, note: "⏎ open · / search · Esc \(showingHits ? "sessions" : "close")")
        var y = inner.y
        if typing {
            var x = inner.x + 1
            x += p.grid.put("search: ", x: x, y: y, style: p.theme[.accent])
            let shown = DisplayWidth.suffix(query, fitting: max(1, inner.maxX - x - 2))
            x += p.grid.put(String(shown), x: x, y: y, style: p.theme[.highlight])
            p.grid.put("▏", x: x, y: y, style: p.theme[.accent])
            y += 1
        }
        if let note {
            p.grid.put(note, x: inner.x + 1, y: y, style: p.theme[.dim], maxWidth: inner.width - 2)
            return
        }
        let room = inner.maxY - y
        guard room > 0 else { return }
        let top = min(max(0, selected - room + 1), max(0, rows.count - room))
        for (i, row) in rows.enumerated().dropFirst(top).prefix(room) {
            let style = i == selected ? p.theme[.selection] : p.theme[.text]
            p.grid.fill(rect: Rect(x: inner.x, y: y, width: inner.width, height: 1), style: style)
            p.grid.put(row.text, x: inner.x + 1, y: y, style: style, maxWidth: inner.width - 2)
            y += 1
        }
    }
}
