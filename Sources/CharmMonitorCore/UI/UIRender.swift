import Foundation
import CharmTelemetry

/// The monitor's view: a pure function from a frame's view-model (`UIFrame`), the UI
/// state, the exporter rows, a theme and the time to a grid. Each pane draws itself (see
/// `MonitorPane`); every pane is testable as text through `Grid.lines()`.
package enum UIRender {
    /// Draws the whole screen from `model` (the front end builds the `UIFrame` under the
    /// engine's lock and calls `render(frame:…)`; this is the same for a model at hand).
    ///
    /// - Parameters:
    ///   - model: the live model (while paused, `ui.paused` is drawn and this one only
    ///     tells how many events were not seen).
    ///   - ui: the UI state.
    ///   - exporters: the exporters panel's rows.
    ///   - theme: styles for every role.
    ///   - size: columns and rows.
    ///   - now: the frame's time (durations of running things, the clock, rates).
    package static func render(
        model: MonitorModel, ui: UIState, exporters: [ExporterRow], theme: Theme, size: (w: Int, h: Int),
        now: Timestamp
    ) -> Grid {
        render(frame: UIFrame(model: model, ui: ui, size: size, now: now), ui: ui, exporters: exporters, theme: theme)
    }

    /// Draws the whole screen from a frame's view-model.
    package static func render(frame: UIFrame, ui: UIState, exporters: [ExporterRow], theme: Theme) -> Grid {
        let layout = UILayout(width: frame.width, height: frame.height, state: ui)
        var painter = UIPainter(
            grid: Grid(width: frame.width, height: frame.height, fill: .blank(theme[.text])), theme: theme, ui: ui,
            now: frame.now)
        guard layout.fits else {
            painter.drawTooSmall()
            return painter.grid
        }
        HeaderBar().render(frame.header, into: &painter, area: layout.header)
        for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            switch pane {
            case .runs: ui.runsPane.render(frame.runs, into: &painter, area: rect)
            case .tools: ui.timelinePane.render(frame.timeline, into: &painter, area: rect)
            case .tokens: ui.tokensPane.render(frame.tokens, into: &painter, area: rect)
            case .log: ui.logPane.render(frame.log, into: &painter, area: rect)
            case .errors: ui.errorsPane.render(frame.errors, into: &painter, area: rect)
            case .exporters: ui.exportersPane.render(exporters, into: &painter, area: rect)
            case .detail: ui.detailPane.render(frame.detail, into: &painter, area: rect)
            case .compare: ui.comparePane.render((), into: &painter, area: rect)
            case .toolStats: ui.toolStatsPane.render(frame.toolStats, into: &painter, area: rect)
            }
        }
        if ui.filterPrompt.editing {
            ui.filterPrompt.render((), into: &painter, area: layout.footer)
        } else {
            ui.footer.render((), into: &painter, area: layout.footer)
        }
        if ui.sessionPicker.visible {
            ui.sessionPicker.render((), into: &painter, area: Rect(x: 0, y: 0, width: frame.width, height: frame.height))
        }
        if ui.helpOverlay.visible {
            ui.helpOverlay.render((), into: &painter, area: Rect(x: 0, y: 0, width: frame.width, height: frame.height))
        }
        return painter.grid
    }
}
