import CharmTelemetry

/// Raw prints, thinking and status lines, newest at the bottom. Owns its scroll position.
struct LogPane: MonitorPane {
    /// Lines scrolled up from the bottom (0 = the end).
    var scrollFromBottom = 0

    /// What the pane draws: the entries in view.
    struct View: Sendable {
        /// The entries shown, oldest first.
        var entries: [LogEntry] = []
        /// Entries listed (those matching the filter).
        var count = 0
        /// Entries the log dropped (it keeps the newest).
        var dropped = 0
    }

    /// Builds the view: without a filter, only the entries in view are read.
    static func view(_ model: MonitorModel, ui: UIState, layout: UILayout) -> View {
        let rows = layout.inner(.log).height
        func window(_ count: Int) -> Range<Int> {
            let fromBottom = min(ui.logPane.scrollFromBottom, max(0, count - rows))
            let end = count - fromBottom
            return max(0, end - rows)..<end
        }
        if ui.filter.isEmpty {
            let count = model.log.count
            return View(entries: Array(model.log[window(count)]), count: count, dropped: model.log.dropped)
        }
        let matching = UIRows.log(model, filter: ui.filter)
        return View(entries: Array(matching[window(matching.count)]), count: matching.count, dropped: model.log.dropped)
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let visible = context.visible(.log)
        guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
        let count = context.ui.filter.isEmpty ? context.model.log.count : UIRows.log(context.model, filter: context.ui.filter).count
        scrollFromBottom = min(max(0, scrollFromBottom.saturatingSubtract(delta)), max(0, count - visible))
        return []
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .log
        let note = view.dropped > 0 ? "\(view.dropped) older dropped" : "\(view.count)"
        guard let inner = p.listBox(
            rect, title: "Log", focused: focused, note: note, count: view.count,
            empty: "no raw prints, thinking or status lines yet")
        else { return }
        for (offset, entry) in view.entries.prefix(inner.height).enumerated() {
            let y = inner.y + offset
            let role: ThemeRole =
                switch entry.kind {
                case .raw: .text
                case .thinking: .thinking
                case .status: .info
                case .otlp: .text
                }
            let x = p.rowLead(entry.at, kind: entry.kind.rawValue, kindWidth: 9, kindRole: .dim, x: inner.x, y: y, maxX: inner.maxX)
            p.text(UIFormat.oneLine(entry.text), x: x, y: y, width: inner.maxX - x, role: role)
        }
    }
}
