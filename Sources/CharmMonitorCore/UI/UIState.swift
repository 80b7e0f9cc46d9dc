import CharmTelemetry

/// A pane of the monitor that can hold the keyboard.
package enum UIPane: String, CaseIterable, Hashable, Sendable {
    /// The run tree.
    case runs
    /// The selected run's tool calls as a timeline.
    case tools
    /// The selected run's token stream.
    case tokens
    /// Raw prints, thinking and status lines.
    case log
    /// Every kind of problem.
    case errors
    /// The exporters panel.
    case exporters
    /// One tool call in full (opened with Enter on a call).
    case detail
    /// Two runs side by side (`c`), over the runs and calls panes.
    case compare
    /// The tools view (`T`): statistics by tool name, then one tool's calls.
    case toolStats = "tool-stats"
}

/// What the monitor shows right now, apart from the model itself: focus, overlays, pause,
/// and each pane's own state (selection, scroll), held by the pane components it is made
/// of. A value type so `update` is a pure function and every key can be tested without a
/// terminal.
package struct UIState: Hashable, Sendable {
    /// The longest filter, in UTF-8 bytes: a paste beyond it is cut.
    package static let maxFilterBytes = FilterPrompt.maxBytes

    /// The pane that has the keyboard.
    package var focus: UIPane = .runs
    /// Whether the tool-call detail view is open (it takes the right-hand side).
    package var detailOpen = false
    /// Whether the lower right pane shows the log instead of the token stream.
    package var showLog = false
    /// Whether the exporters panel is shown.
    package var exportersVisible = false
    /// Whether the tools view (`T`) takes the place of the runs and the run's panes.
    package var toolsViewOpen = false
    /// The frozen model while paused.
    package var paused: PausedView?
    /// The run stepped through and the model at the step shown (`[` `]`), over the pause.
    package var stepping: SteppingView?
    /// Which of the loaded themes is in use.
    package var themeIndex = 0
    /// How many themes there are to cycle through with `t`.
    package var themeCount = 1
    /// Set when the user asked to quit.
    package var quit = false
    /// Set once every finite source has ended: the UI says so and waits for `q`.
    package var streamEnded = false
    /// Whether this session is being recorded and what the recording lost (nil: not recording).
    package var recording: RecordingIndicator?
    /// What the screen shows when it is a recorded session rather than live sources
    /// (`session 12 · 2026-11-30T02:40:00Z`), for the header.
    package var recordedSession: String?
    /// Set while the screen shows a session opened from the picker (`o` or Esc goes back).
    package var viewingPicked = false
    /// Whether the session picker is shown.
    package var sessionPickerVisible: Bool { sessionPicker.visible }

    // The components, each owning its part of the state.
    var runsPane = RunsPane()
    var timelinePane = TimelinePane()
    var tokensPane = TokensPane()
    var logPane = LogPane()
    var errorsPane = ErrorsPane()
    var exportersPane = ExportersPane()
    var detailPane = DetailPane()
    var comparePane = ComparePane()
    var toolStatsPane = ToolStatsPane()
    var filterPrompt = FilterPrompt()
    var helpOverlay = HelpOverlay()
    var sessionPicker = SessionPicker()
    var footer = FooterBar()

    // What each component holds, by the names the front end and tests use.

    /// The selected run's id (by id, not index, so new runs arriving do not move it);
    /// `nil` follows the newest run until the user picks one.
    package var selectedRunID: String? {
        get { runsPane.selectedRunID }
        set { runsPane.selectedRunID = newValue }
    }
    /// The selected tool call, as an index into the selected run's timeline; `nil`
    /// follows the newest call as calls arrive.
    package var selectedToolIndex: Int? {
        get { timelinePane.selectedIndex }
        set { timelinePane.selectedIndex = newValue }
    }
    /// The selected error, as an index into the filtered error list (newest last);
    /// `nil` follows the newest.
    package var selectedErrorIndex: Int? {
        get { errorsPane.selectedIndex }
        set { errorsPane.selectedIndex = newValue }
    }
    /// The selected exporter row.
    package var selectedExporterIndex: Int {
        get { exportersPane.selectedIndex }
        set { exportersPane.selectedIndex = newValue }
    }
    /// Lines scrolled up from the bottom of the token stream (0 = the end).
    package var tokenScrollFromBottom: Int {
        get { tokensPane.scrollFromBottom }
        set { tokensPane.scrollFromBottom = newValue }
    }
    /// Whether the token stream sticks to its end as tokens arrive.
    package var followTokens: Bool {
        get { tokensPane.follow }
        set { tokensPane.follow = newValue }
    }
    /// Tokens-per-second samples of the selected run, oldest first, one per second.
    package var tokenRateSamples: [Double] {
        get { tokensPane.rateSamples }
        set { tokensPane.rateSamples = newValue }
    }
    /// The last sample point: run, token count and time.
    package var tokenSampleBase: TokenSample? {
        get { tokensPane.sampleBase }
        set { tokensPane.sampleBase = newValue }
    }
    /// Lines scrolled up from the bottom of the log (0 = the end).
    package var logScrollFromBottom: Int {
        get { logPane.scrollFromBottom }
        set { logPane.scrollFromBottom = newValue }
    }
    /// First visible line of the detail view.
    package var detailScroll: Int {
        get { detailPane.scroll }
        set { detailPane.scroll = newValue }
    }
    /// The filter in force (case-insensitive substring of run id, tool name or text).
    package var filter: String {
        get { filterPrompt.filter }
        set { filterPrompt.filter = newValue }
    }
    /// The filter being typed, while `filterEditing`.
    package var filterDraft: String {
        get { filterPrompt.draft }
        set { filterPrompt.draft = newValue }
    }
    /// True while the user types a filter after `/`.
    package var filterEditing: Bool {
        get { filterPrompt.editing }
        set { filterPrompt.editing = newValue }
    }
    /// Whether the help overlay is shown.
    package var helpVisible: Bool {
        get { helpOverlay.visible }
        set { helpOverlay.visible = newValue }
    }
    /// A one-line message for the footer (an exporter toggled, a theme changed).
    package var statusMessage: String? {
        get { footer.message }
        set { footer.message = newValue }
    }
    /// When the status message was set, so it fades after a few seconds.
    package var statusMessageAt: Timestamp? {
        get { footer.messageAt }
        set { footer.messageAt = newValue }
    }
    /// Where stderr goes while the UI is up, shown in the footer.
    package var stderrLogPath: String? {
        get { footer.stderrLogPath }
        set { footer.stderrLogPath = newValue }
    }

    /// The run `m` marked, as copied then (it outlives the run's eviction).
    package var markedRun: ComparableRun? {
        get { comparePane.mark }
        set { comparePane.mark = newValue }
    }
    /// The comparison the compare view shows; `nil` while it is closed.
    package var comparison: RunAlignment? { comparePane.alignment }
    /// Whether the compare view is open (it takes the runs and calls panes' place).
    package var compareOpen: Bool { comparePane.alignment != nil }
    /// The compare view's selected row.
    package var selectedCompareRow: Int { comparePane.selected }
    /// Whether the compare view shows the selected pair's diff.
    package var compareDiffOpen: Bool { comparePane.diff != nil }

    /// A fresh state.
    package init() {}

    /// The model the view shows instead of the live one: the step's, else the paused one.
    package var frozenModel: MonitorModel? { stepping?.model ?? paused?.model }

    /// The model being paused: the view stays on `model` while ingest goes on.
    package struct PausedView: Hashable, Sendable {
        /// The frozen model.
        package var model: MonitorModel
        /// The live event count when paused, to tell how many arrived since.
        package var eventsAtPause: Int

        /// Freezes `model`.
        package init(model: MonitorModel) {
            self.model = model
            self.eventsAtPause = model.counters.events
        }

        package static func == (a: PausedView, b: PausedView) -> Bool { a.eventsAtPause == b.eventsAtPause }
        package func hash(into hasher: inout Hasher) { hasher.combine(eventsAtPause) }
    }

    /// One point of the token-rate sampler.
    package struct TokenSample: Hashable, Sendable {
        /// The run sampled.
        package var runID: String
        /// Its token count then.
        package var tokens: Int
        /// When.
        package var at: Timestamp
    }

    /// The pane list for Tab: what is on screen, in reading order.
    package var focusCycle: [UIPane] {
        if toolsViewOpen && !compareOpen { return [.toolStats, .errors] + (exportersVisible ? [.exporters] : []) }
        var panes: [UIPane] = compareOpen ? [.compare] : [.runs, detailOpen ? .detail : .tools]
        if !detailOpen && !compareOpen { panes.append(showLog ? .log : .tokens) }
        panes.append(.errors)
        if exportersVisible { panes.append(.exporters) }
        return panes
    }
}

/// What `update` asks the outside world to do.
package enum UIEffect: Hashable, Sendable {
    /// Turn an exporter on or off (`MonitorEngine.setExporter`).
    case setExporter(name: String, enabled: Bool)
    /// Switch to the theme at this index of the loaded list.
    case setTheme(index: Int)
    /// Leave the UI with this exit status.
    case quit(status: Int32)
    /// Put this text on the clipboard (OSC 52, through the terminal); already capped to
    /// `ClipboardSequence.maxTextBytes`.
    case copyToClipboard(String)
    /// Write this run and its sub-runs as NDJSON to a new file and show its path.
    case exportRun(RunExport)
    /// Build the session's history for stepping (`UIContext.history`), then send
    /// `.perform(action)` to carry out the step that asked for it.
    case loadHistory(then: UIAction)
    /// List the recorded sessions for the picker (answered with `UIMessage.pickerRows`).
    case listSessions
    /// Search every recorded session (answered with `UIMessage.pickerRows(hits: true)`).
    case searchSessions(String)
    /// Show this recorded session (replayed), selecting this run; answered with `.viewing`.
    case openSession(sessionID: Int64, runID: String?)
    /// Leave the picked session for the live view; answered with `.viewing(nil)`.
    case backToLive
}

/// What `update` reacts to.
package enum UIMessage: Hashable, Sendable {
    /// A key, a mouse event, a resize or a signal.
    case input(InputEvent)
    /// A frame tick at this time (samples the token rate, fades messages).
    case tick(Timestamp)
    /// Every finite source has ended.
    case streamEnded
    /// Do what `action`'s key does (after an effect that had to happen first).
    case perform(UIAction)
    /// The picker's rows: sessions, or a search's hits; `note` when they cannot be read.
    case pickerRows([PickerRow], hits: Bool, note: String?)
    /// The screen now shows the session labelled so (nil: live sources), selecting this run;
    /// `picked` when it was opened from the picker (then `o` and Esc go back).
    case viewing(label: String?, runID: String?, picked: Bool)
}
