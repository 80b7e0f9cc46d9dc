import CharmTelemetry

/// Every problem, newest at the bottom: time, kind, where, and what. Owns the selected
/// error and its scroll position; Enter or `g` goes to the error's run.
struct ErrorsPane: MonitorPane {
    /// The selected error, as an index into the filtered list (newest last); `nil` follows
    /// the newest.
    var selectedIndex: Int?
    /// The first row shown.
    var top = 0

    /// What the pane draws: the errors in view.
    struct View: Sendable {
        /// The entries shown, from `top`.
        var entries: [MonitorErrorEntry] = []
        /// Entries listed (those kept that match the filter).
        var count = 0
        /// Errors ever counted.
        var total = 0
        /// Errors kept (the oldest are dropped beyond the limit).
        var kept = 0
        /// The index of the first entry shown.
        var top = 0
        /// The selected entry's index.
        var selected: Int?
    }

    /// Builds the view: without a filter, only the entries in view are read.
    static func view(_ model: MonitorModel, ui: UIState, layout: UILayout) -> View {
        let visible = layout.inner(.errors).height
        // Findings are listed here too, counted apart from errors.
        var view = View(total: model.counters.errors + model.counters.findingsTotal, kept: model.errors.count)
        if ui.filter.isEmpty {
            view.count = model.errors.count
            view.selected = UIRows.selectedErrorIndex(count: view.count, state: ui)
            view.top = UIRows.window(selected: view.selected, count: view.count, visible: visible, stored: ui.errorsPane.top)
            view.entries = Array(model.errors[view.top..<min(view.count, view.top + max(0, visible))])
        } else {
            let matching = UIRows.errors(model, filter: ui.filter)
            view.count = matching.count
            view.selected = UIRows.selectedErrorIndex(matching, state: ui)
            view.top = UIRows.window(selected: view.selected, count: view.count, visible: visible, stored: ui.errorsPane.top)
            view.entries = Array(matching[view.top..<min(view.count, view.top + max(0, visible))])
        }
        return view
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let visible = context.visible(.errors)
        switch input {
        case .action(.open), .action(.goToErrorRun):
            return [.jumpToError]
        case .action, .scroll:
            if let delta = input.rows(page: max(1, visible - 1)) { move(by: delta, context: context) }
        case .click(let row):
            let count = UIRows.errors(context.model, filter: context.ui.filter).count
            let top = UIRows.window(
                selected: UIRows.selectedErrorIndex(count: count, state: context.ui), count: count, visible: visible,
                stored: self.top)
            guard row >= 0, top + row < count else { return [] }
            selectedIndex = top + row
            self.top = top
        }
        return []
    }

    private mutating func move(by delta: Int, context: PaneContext) {
        let count = UIRows.errors(context.model, filter: context.ui.filter).count
        guard let current = UIRows.selectedErrorIndex(count: count, state: context.ui) else { return }
        let next = current.moved(by: delta, count: count)
        // Back at the newest entry: follow new errors again.
        selectedIndex = next == count - 1 ? nil : next
        top = UIRows.window(selected: next, count: count, visible: context.visible(.errors), stored: top)
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .errors
        let dropped = view.total - view.kept
        let note = dropped > 0 ? "\(dropped) older dropped · g: go to run" : "g: go to run"
        guard let inner = p.listBox(
            rect, title: "Errors \(UIFormat.count(view.total))", focused: focused, note: note, count: view.count,
            empty: "no errors")
        else { return }
        for (offset, entry) in view.entries.prefix(inner.height).enumerated() {
            let index = view.top + offset
            let y = inner.y + offset
            let kindRole: ThemeRole =
                switch entry.kind {
                case .run, .tool: .error
                case .finding: .finding
                default: .warning
                }
            var x = p.rowLead(entry.at, kind: entry.kind.rawValue, kindWidth: 10, kindRole: kindRole, x: inner.x, y: y, maxX: inner.maxX)
            var place = entry.runID ?? entry.source?.name ?? ""
            if let line = entry.line { place += ":\(line)" }
            if !place.isEmpty {
                let shown = DisplayWidth.truncate(place, to: min(24, max(0, inner.maxX - x) / 3))
                x += p.text(shown, x: x, y: y, width: inner.maxX - x, role: .accent)
                x += 1
            }
            var message = entry.message
            if let preview = entry.preview { message += " ⟨\(preview)⟩" }
            p.text(UIFormat.oneLine(message), x: x, y: y, width: max(0, inner.maxX - x), role: .text)
            if index == view.selected { p.select(row: y, in: inner, focused: focused) }
        }
        if view.count > inner.height { p.scrollMark(top: view.top, visible: inner.height, count: view.count, rect: rect) }
    }
}
