import CharmTelemetry

/// Everything outside `UIState` that `update` and `render` read: the live model, the
/// exporter rows, the screen size and the time. Plain values, so both stay pure.
package struct UIContext: Sendable {
    /// The live model (the view shows `UIState.paused` instead while paused).
    package var model: MonitorModel
    /// The exporters panel's rows.
    package var exporters: [ExporterRow]
    /// Columns.
    package var width: Int
    /// Rows.
    package var height: Int
    /// The time the frame is for.
    package var now: Timestamp
    /// The front end's memory of which runs match the filter (see `RunFilterCache`); `nil`
    /// matches every run in full.
    package var filterCache: RunFilterCache?

    /// A context with every field given.
    package init(model: MonitorModel, exporters: [ExporterRow] = [], width: Int, height: Int, now: Timestamp) {
        self.model = model
        self.exporters = exporters
        self.width = width
        self.height = height
        self.now = now
    }

    /// Whether the session can be stepped through, and its history once built.
    package var history: HistorySupport = .unavailable(HistorySupport.noHistory)

    /// The model the view shows under `state`: the step's or the paused one, else live.
    package func viewModel(_ state: UIState) -> MonitorModel { state.frozenModel ?? model }
}

/// Whether stepping (`[` `]`) can replay this session.
package enum HistorySupport: Sendable {
    /// The history, built.
    case ready(StepHistory)
    /// The front end can build it when asked (`UIEffect.loadHistory`).
    case loadable
    /// It cannot, and why (shown in the footer).
    case unavailable(String)

    /// Why a live session cannot be stepped through.
    package static let noHistory =
        "stepping replays a recorded or replayed session: charm-monitor open ID, or --file once read"
}
