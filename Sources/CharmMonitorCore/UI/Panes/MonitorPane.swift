import CharmTelemetry

/// A pane of the monitor as a toolkit `Component`: it owns its selection and scroll, reacts
/// to `PaneInput` (an action from `UIKeyMap`, a wheel scroll, a click) and draws with the
/// monitor's `UIPainter`. `UIUpdate` routes input to the focused pane and applies the
/// effects that reach beyond it.
protocol MonitorPane: Component, Hashable, Sendable
where Action == PaneInput, Effect == PaneEffect, Context == PaneContext, Canvas == UIPainter {}

/// What a pane reacts to.
enum PaneInput: Hashable, Sendable {
    /// An action `UIKeyMap` matched while the pane had the focus.
    case action(UIAction)
    /// Move the selection (or scroll a text pane) by this many rows (the mouse wheel).
    case scroll(Int)
    /// A click on this row of the pane's list (0 is the first row below any heading).
    case click(row: Int)

    /// The rows this input moves a selection (or a text pane's scroll) by: a movement
    /// action's (a page is `page` rows) or the wheel's; `nil` for anything else.
    func rows(page: Int) -> Int? {
        switch self {
        case .action(let action): PaneInput.rows(for: action, page: page)
        case .scroll(let rows): rows
        case .click: nil
        }
    }

    /// The rows a movement action moves by, `nil` for actions that do not move.
    static func rows(for action: UIAction, page: Int) -> Int? {
        switch action {
        case .down: 1
        case .up: -1
        case .pageDown: page
        case .pageUp: -page
        case .top: Int.min / 2
        case .bottom: Int.max / 2
        default: nil
        }
    }
}

/// What a pane asks of the rest of the monitor.
enum PaneEffect: Hashable, Sendable {
    /// An effect for the outside world (`UIUpdate` returns it).
    case outside(UIEffect)
    /// A footer message.
    case status(String)
    /// Give the keyboard to this pane.
    case focus(UIPane)
    /// Make the followed run an explicit selection, so new runs no longer move it.
    case pinRun
    /// The runs pane moved its selection: the timeline goes back to following the newest
    /// call and the rate sampler starts over; with `tokens`, the token pane goes back to
    /// its end too.
    case runMoved(tokens: Bool)
    /// Open the detail view of the timeline's selected call.
    case openDetail
    /// Select the run (and call) of the errors pane's selected entry.
    case jumpToError
    /// Close the tools view and select this call in its run.
    case jumpToCall(runID: String, callID: String)
}

/// What a pane's `update` reads: the model shown, the whole UI state (the filter, the
/// selected run), the exporter rows, the layout and the time.
struct PaneContext {
    /// The model the view shows (frozen while paused).
    let model: MonitorModel
    /// The whole state, read-only: the pane's own part is the pane itself.
    let ui: UIState
    /// The exporters panel's rows.
    let exporters: [ExporterRow]
    /// Where every pane is.
    let layout: UILayout
    /// The time.
    let now: Timestamp
    /// The front end's memory of which runs match the filter, if any.
    let filterCache: RunFilterCache?

    /// List rows visible in `pane`.
    func visible(_ pane: UIPane) -> Int { layout.listRows(pane) }

    /// The run the timeline, token and detail panes are about.
    var selectedRun: MonitorRun? { UIRows.selectedRun(model, state: ui, cache: filterCache) }

    /// The runs pane's rows under the filter.
    var runRows: [RunTreeRow] { UIRows.treeRows(model, filter: ui.filter, cache: filterCache) }
}

extension Int {
    /// `self + delta`, pinned to `0..<count` (0 when empty), never overflowing.
    func moved(by delta: Int, count: Int) -> Int {
        Swift.min(Swift.max(0, saturatingAdd(delta)), Swift.max(0, count - 1))
    }

    /// `self + other`, or the bound it would cross.
    func saturatingAdd(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? Int.max : Int.min) : sum
    }

    /// `self - other`, or the bound it would cross.
    func saturatingSubtract(_ other: Int) -> Int {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? Int.max : Int.min) : difference
    }
}
