import CharmTelemetry

/// One frame's view-model: what the panes show, and nothing else — the rows in view, the
/// header's totals, the selected run without its text, the tail of that text the token
/// pane can show. Built from the model under the engine's lock (`MonitorEngine.read`),
/// then drawn away from it by `UIRender.render(frame:…)`.
///
/// Its cost follows the screen, not the history: the run list comes from the model's
/// cached run tree (ids only) and only the runs in view are looked up; the header's
/// totals are kept by the model as it changes; the log and the errors are read only in
/// the window shown (a filter reads every kept entry, a bounded number). And it shares no
/// growing buffer with the model, so the engine's next append copies nothing. (A copy of
/// the whole model, as frames once took, made the next ingest copy every run under the
/// engine's lock.)
package struct UIFrame: Sendable {
    /// Columns.
    package let width: Int
    /// Rows.
    package let height: Int
    /// The time the frame is for.
    package let now: Timestamp
    var header = HeaderBar.View()
    var runs = RunsPane.View()
    var timeline = TimelinePane.View()
    var tokens = TokensPane.View()
    var log = LogPane.View()
    var errors = ErrorsPane.View()
    var detail = DetailPane.View()
    var toolStats = ToolStatsPane.View()

    /// The frame of `model` (the live model; while paused `ui.paused`'s model is shown) for
    /// a `size` screen at `now`. Reads only what the panes on screen show.
    /// With a filter set, `filterCache` (the front end's) spares matching what did not change.
    package init(model: MonitorModel, ui: UIState, size: (w: Int, h: Int), now: Timestamp, filterCache: RunFilterCache? = nil) {
        width = size.w
        height = size.h
        // While stepping the frame is of the step's moment: durations run to its event.
        self.now = ui.stepping?.at ?? now
        let now = self.now
        let layout = UILayout(width: size.w, height: size.h, state: ui)
        guard layout.fits else { return }
        let shown = ui.frozenModel ?? model
        header = HeaderBar.view(shown, live: model, now: now)
        for pane in layout.panes.keys {
            switch pane {
            case .runs: runs = RunsPane.view(shown, ui: ui, visible: layout.listRows(.runs), cache: filterCache)
            case .log: log = LogPane.view(shown, ui: ui, layout: layout)
            case .errors: errors = ErrorsPane.view(shown, ui: ui, layout: layout)
            case .toolStats: toolStats = ToolStatsPane.view(shown, ui: ui)
            case .tools, .tokens, .detail, .exporters, .compare: break
            }
        }
        // The panes about the selected run share one look-up of it and of its timeline.
        let needsRun = layout.panes[.tools] != nil || layout.panes[.tokens] != nil || layout.panes[.detail] != nil
        guard needsRun else { return }
        let run = UIRows.selectedRun(shown, state: ui, cache: filterCache)
        if layout.panes[.tokens] != nil { tokens = TokensPane.view(run: run, ui: ui, layout: layout) }
        guard layout.panes[.tools] != nil || layout.panes[.detail] != nil else { return }
        let calls = UIRows.timeline(shown, run)
        if layout.panes[.tools] != nil { timeline = TimelinePane.view(run: run, calls: calls, ui: ui, layout: layout, now: now, prices: model.prices) }
        if layout.panes[.detail] != nil { detail = DetailPane.view(run: run, calls: calls, ui: ui, prices: model.prices) }
    }
}
