import CharmTelemetry

/// The monitor's update function, a small router: a message and the state in, the new
/// state and the effects out. A key goes through `UIKeyMap` (the one place keys are
/// matched) to an action; movement and Enter go to the focused pane's component, which
/// owns its selection and scroll (see `MonitorPane`); the rest — focus, overlays, pause,
/// the filter, themes — is handled here, as are the few effects that reach across panes
/// (a jump to an error's run). Pure: everything it reads is in `UIState` and `UIContext`.
package enum UIUpdate {
    /// Applies `message` to `state`.
    package static func update(_ state: UIState, _ message: UIMessage, context: UIContext) -> (UIState, [UIEffect]) {
        var state = state
        var effects: [UIEffect] = []
        switch message {
        case .input(.key(let key)):
            handleKey(key, state: &state, effects: &effects, context: context)
        case .input(.mouse(let x, let y, let kind)):
            handleMouse(x: x, y: y, kind: kind, state: &state, effects: &effects, context: context)
        case .input(.resize):
            // The layout is recomputed from the context's size on every render; only the
            // stored scroll offsets need re-clamping, which render does as it reads them.
            break
        case .input(.interrupt(let signal)):
            state.quit = true
            effects.append(.quit(status: 128 + signal))
        case .tick(let now):
            _ = state.footer.update(.tick(now), context: ())
            // The token-rate sampler follows the live model even while the view is frozen.
            if state.frozenModel == nil, let run = UIRows.selectedRun(context.model, state: state, cache: context.filterCache) {
                state.tokensPane.sample(run, now: now)
            }
        case .streamEnded:
            state.streamEnded = true
        case .perform(let action):
            perform(action, state: &state, effects: &effects, context: context)
        case .pickerRows(let rows, let hits, let note):
            state.sessionPicker.show(rows, hits: hits, note: note)
        case .viewing(let label, let runID, let picked):
            state.viewingPicked = picked
            state.recordedSession = label
            state.sessionPicker.visible = false
            state.stepping = nil
            state.detailOpen = false
            state.focus = .runs
            state.selectedRunID = runID
            state.selectedToolIndex = nil
        }
        return (state, effects)
    }

    // MARK: Keys

    private static func handleKey(_ key: Key, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        if state.filterPrompt.editing {
            if state.filterPrompt.update(key, context: ()).contains(.applied) {
                // A new filter: every list starts over from its top, errors follow the newest.
                state.runsPane.top = 0
                state.timelinePane.top = 0
                state.errorsPane.top = 0
                state.exportersPane.top = 0
                state.errorsPane.selectedIndex = nil
            }
            return
        }
        if state.helpOverlay.visible {
            if state.helpOverlay.update(key, context: ()).contains(.quit) { quit(&state, &effects) }
            return
        }
        if state.sessionPicker.visible {
            for effect in state.sessionPicker.update(key, context: ()) {
                switch effect {
                case .open(let row): effects.append(.openSession(sessionID: row.sessionID, runID: row.runID))
                case .search(let text): effects.append(.searchSessions(text))
                case .list: effects.append(.listSessions)
                }
            }
            return
        }
        guard let action = UIKeyMap.action(for: key, focus: state.focus) else { return }
        perform(action, state: &state, effects: &effects, context: context)
    }

    /// Does what `action` means; keys reach here only through `UIKeyMap`.
    private static func perform(_ action: UIAction, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        switch action {
        case .down, .up, .pageDown, .pageUp, .top, .bottom, .open, .toggleExporter, .goToErrorRun, .sortNext, .sortReverse:
            route(.action(action), to: state.focus, state: &state, effects: &effects, context: context)
        case .toolsView:
            if state.toolsViewOpen {
                closeToolsView(&state)
            } else {
                state.comparePane.close()
                state.toolsViewOpen = true
                state.focus = .toolStats
            }
        case .quit:
            quit(&state, &effects)
        case .help:
            state.helpOverlay.visible = true
        case .filter:
            state.filterPrompt.open()
        case .nextPane:
            cycleFocus(&state, by: 1)
        case .previousPane:
            cycleFocus(&state, by: -1)
        case .focusRuns:
            if state.toolsViewOpen { closeToolsView(&state) }
            state.focus = state.compareOpen ? .compare : .runs
        case .focusRight:
            if state.focus == .runs { state.focus = state.detailOpen ? .detail : .tools }
        case .pause:
            togglePause(&state, context: context)
        case .follow:
            setStatus(&state, state.tokensPane.toggleFollow(), context: context)
        case .exporters:
            state.exportersVisible.toggle()
            state.focus = state.exportersVisible ? .exporters : (state.focus == .exporters ? .runs : state.focus)
        case .log:
            state.showLog.toggle()
            if state.showLog, state.focus == .tokens { state.focus = .log }
            if !state.showLog, state.focus == .log { state.focus = .tokens }
            if state.showLog, state.detailOpen { state.detailOpen = false }
        case .yank, .yankWhole:
            yank(whole: action == .yankWhole, state: &state, effects: &effects, context: context)
        case .exportRun:
            let model = context.viewModel(state)
            guard let run = UIRows.selectedRun(model, state: state, cache: context.filterCache),
                let export = RunExport(model: model, runID: run.id)
            else { return setStatus(&state, "no run to export", context: context) }
            effects.append(.exportRun(export))
        case .theme:
            state.themeIndex = (state.themeIndex + 1) % max(1, state.themeCount)
            effects.append(.setTheme(index: state.themeIndex))
        case .mark:
            mark(&state, context: context)
        case .compare:
            compare(&state, context: context)
        case .stepBack, .stepForward:
            step(action, state: &state, effects: &effects, context: context)
        case .sessions:
            // On a picked session, o goes back to live; elsewhere it lists the sessions.
            effects.append(state.viewingPicked ? .backToLive : .listSessions)
        case .back:
            if state.comparePane.back() {
                if !state.compareOpen { state.focus = state.toolsViewOpen ? .toolStats : .runs }
            } else if state.toolsViewOpen && state.focus == .toolStats && state.toolStatsPane.listing != nil {
                route(.action(.back), to: .toolStats, state: &state, effects: &effects, context: context)
            } else if state.toolsViewOpen {
                closeToolsView(&state)
            } else if state.stepping != nil {
                state.stepping = nil
                setStatus(&state, state.paused == nil ? "stepping left: the live view" : "stepping left: the paused view", context: context)
            } else if state.detailOpen {
                state.detailOpen = false
                state.focus = .tools
            } else if !state.filter.isEmpty {
                state.filter = ""
                setStatus(&state, "filter cleared", context: context)
            } else if state.viewingPicked {
                effects.append(.backToLive)
            } else if state.focus != .runs {
                state.focus = .runs
            }
        }
    }

    /// Hands `input` to `pane`'s component and applies what it asks of the rest.
    private static func route(
        _ input: PaneInput, to pane: UIPane, state: inout UIState, effects: inout [UIEffect], context: UIContext
    ) {
        let model = context.viewModel(state)
        let paneContext = PaneContext(
            model: model, ui: state, exporters: context.exporters,
            layout: UILayout(width: context.width, height: context.height, state: state), now: context.now,
            filterCache: context.filterCache)
        let produced: [PaneEffect] =
            switch pane {
            case .runs: state.runsPane.update(input, context: paneContext)
            case .tools: state.timelinePane.update(input, context: paneContext)
            case .tokens: state.tokensPane.update(input, context: paneContext)
            case .log: state.logPane.update(input, context: paneContext)
            case .errors: state.errorsPane.update(input, context: paneContext)
            case .exporters: state.exportersPane.update(input, context: paneContext)
            case .detail: state.detailPane.update(input, context: paneContext)
            case .compare: state.comparePane.update(input, context: paneContext)
            case .toolStats: state.toolStatsPane.update(input, context: paneContext)
            }
        for effect in produced {
            switch effect {
            case .outside(let outside):
                effects.append(outside)
            case .status(let text):
                setStatus(&state, text, context: context)
            case .focus(let target):
                state.focus = target
            case .pinRun:
                if state.selectedRunID == nil {
                    state.selectedRunID = UIRows.selectedRun(model, state: state, cache: context.filterCache)?.id
                }
            case .runMoved(let tokens):
                state.timelinePane.selectedIndex = nil
                state.tokensPane.runMoved(resetScroll: tokens)
            case .openDetail:
                state.detailOpen = true
                state.detailPane.scroll = 0
                state.focus = .detail
            case .jumpToError:
                jumpToErrorRun(&state, context: context)
            case .jumpToCall(let runID, let callID):
                closeToolsView(&state)
                let model = context.viewModel(state)
                guard let run = model.run(runID) else {
                    setStatus(&state, "run \(runID) is no longer kept", context: context)
                    break
                }
                select(run: run, callID: callID, state: &state, model: model)
                setStatus(&state, "jumped to call \(callID) in run \(runID)", context: context)
            }
        }
    }

    private static func quit(_ state: inout UIState, _ effects: inout [UIEffect]) {
        state.quit = true
        effects.append(.quit(status: 0))
    }

    private static func cycleFocus(_ state: inout UIState, by step: Int) {
        let cycle = state.focusCycle
        let index = cycle.firstIndex(of: state.focus) ?? 0
        state.focus = cycle[(index + step + cycle.count) % cycle.count]
    }

    private static func togglePause(_ state: inout UIState, context: UIContext) {
        if state.paused == nil {
            state.paused = UIState.PausedView(model: context.model)
            setStatus(&state, "paused: the view is frozen, ingest goes on (p resumes)", context: context)
        } else {
            state.paused = nil
            setStatus(&state, "resumed", context: context)
        }
    }

    /// `[` / `]`: one event of the selected run back or forward, entering stepping at the
    /// run's first event (`]`) or one before its last (`[`); the history is built first when
    /// the front end can build it.
    private static func step(_ action: UIAction, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        let delta = action == .stepForward ? 1 : -1
        switch context.history {
        case .unavailable(let why):
            setStatus(&state, why, context: context)
        case .loadable:
            effects.append(.loadHistory(then: action))
        case .ready(let history):
            if var view = state.stepping {
                view.move(to: view.step + delta, in: history)
                state.stepping = view
                return
            }
            let model = context.viewModel(state)
            guard let run = UIRows.selectedRun(model, state: state, cache: context.filterCache) else {
                return setStatus(&state, "no run to step through", context: context)
            }
            guard
                let view = SteppingView(
                    runID: run.id, runs: model.descendantIDs(of: run.id), history: history, step: delta > 0 ? 1 : -1)
            else { return setStatus(&state, "the session's events hold none of run \(run.id)", context: context) }
            state.stepping = view
            state.selectedRunID = run.id
            setStatus(&state, "stepping through run \(run.id): [ ] move, Esc leaves", context: context)
        }
    }

    /// `y` / `Y`: the copy goes out as an effect, capped, and the footer says what it was.
    private static func yank(whole: Bool, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        switch UIYank.outcome(whole: whole, state: state, context: context) {
        case .nothing(let why):
            setStatus(&state, why, context: context)
        case .copy(let text, let what, let bytes):
            let (sent, _) = ClipboardSequence.capped(text)
            effects.append(.copyToClipboard(sent))
            setStatus(&state, UIYank.message(what: what, bytes: bytes, sent: sent.utf8.count), context: context)
        }
    }

    private static func setStatus(_ state: inout UIState, _ text: String, context: UIContext) {
        _ = state.footer.update(.show(text, at: context.now), context: ())
    }

    /// `m`: copies the selected run's calls as the mark (or clears the mark when it is that
    /// run's). A copy, so the mark outlives the run's eviction and a switch of session.
    private static func mark(_ state: inout UIState, context: UIContext) {
        let model = context.viewModel(state)
        guard let run = UIRows.selectedRun(model, state: state, cache: context.filterCache) else {
            setStatus(&state, "no run to mark", context: context)
            return
        }
        if let marked = state.markedRun, marked.id == run.id, marked.origin == run.source.name {
            state.markedRun = nil
            setStatus(&state, "mark cleared", context: context)
            return
        }
        let copy = ComparableRun(run: run, model: model)
        state.markedRun = copy
        let calls = "\(copy.calls.count) call\(copy.calls.count == 1 ? "" : "s")"
        setStatus(&state, "marked \(run.id) (\(calls)): select another run and press c to compare", context: context)
    }

    /// `c`: aligns the marked run (left) with the selected run (right) and opens the
    /// comparison on its first divergence.
    private static func compare(_ state: inout UIState, context: UIContext) {
        guard let marked = state.markedRun else {
            setStatus(&state, "nothing marked: press m on a run, then c on another to compare them", context: context)
            return
        }
        let model = context.viewModel(state)
        guard let run = UIRows.selectedRun(model, state: state, cache: context.filterCache) else {
            setStatus(&state, "no run selected to compare with the marked one", context: context)
            return
        }
        let alignment = RunAlignment(left: marked, right: ComparableRun(run: run, model: model))
        state.comparePane.open(alignment)
        state.detailOpen = false
        state.focus = .compare
        if let index = alignment.firstDivergence {
            let row = alignment.rows[index]
            setStatus(&state, "first divergence at row \(index + 1): \(row.name): \(row.reason)", context: context)
        } else {
            setStatus(&state, "no divergence: \(alignment.rows.count) calls align with the same outcomes", context: context)
        }
    }

    /// `g` or Enter on an error: select its run (and call), focus where it shows.
    private static func jumpToErrorRun(_ state: inout UIState, context: UIContext) {
        let model = context.viewModel(state)
        let errors = UIRows.errors(model, filter: state.filter)
        guard let index = UIRows.selectedErrorIndex(errors, state: state) else { return }
        let entry = errors[index]
        guard let runID = entry.runID, let run = model.run(runID) else {
            setStatus(&state, "this error belongs to no run that is still kept", context: context)
            return
        }
        closeToolsView(&state)
        select(run: run, callID: entry.callID, state: &state, model: model)
        setStatus(&state, "jumped to run \(runID)", context: context)
    }

    /// Selects `run` (clearing a filter that hides it) and, when given and still kept, its
    /// call `callID` in the timeline, focusing where it shows.
    private static func select(run: MonitorRun, callID: String?, state: inout UIState, model: MonitorModel) {
        if !state.filter.isEmpty && !UIRows.runMatches(run, filter: state.filter) { state.filter = "" }
        state.comparePane.close()
        state.selectedRunID = run.id
        state.detailOpen = false
        state.focus = .runs
        if let callID,
            let callIndex = UIRows.timeline(model, run).firstIndex(where: { $0.runID == run.id && $0.callID == callID })
        {
            state.selectedToolIndex = callIndex
            state.focus = .tools
        } else {
            state.selectedToolIndex = nil
        }
    }

    /// Leaves the tools view for the runs (it remembers its sort and selection).
    private static func closeToolsView(_ state: inout UIState) {
        guard state.toolsViewOpen else { return }
        state.toolsViewOpen = false
        state.toolStatsPane.listing = nil
        if state.focus == .toolStats { state.focus = .runs }
    }

    // MARK: Mouse

    private static func handleMouse(
        x: Int, y: Int, kind: MouseKind, state: inout UIState, effects: inout [UIEffect], context: UIContext
    ) {
        if state.helpOverlay.visible {
            if kind == .press { state.helpOverlay.visible = false }
            return
        }
        let layout = UILayout(width: context.width, height: context.height, state: state)
        guard let pane = layout.pane(atX: x, y: y) else { return }
        switch kind {
        case .wheelUp, .wheelDown:
            // The wheel scrolls the pane under the pointer; a text pane does not keep the focus.
            let previous = state.focus
            state.focus = pane
            route(.scroll(kind == .wheelUp ? -3 : 3), to: pane, state: &state, effects: &effects, context: context)
            if pane != previous, pane == .tokens || pane == .log || pane == .detail { state.focus = previous }
        case .press:
            state.focus = pane
            let inner = layout.inner(pane)
            guard inner.contains(x: x, y: y) else { return }
            route(.click(row: y - inner.y - UILayout.headingRows(pane)), to: pane, state: &state, effects: &effects, context: context)
        case .release:
            break
        }
    }
}
