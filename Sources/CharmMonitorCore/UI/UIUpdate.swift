import CharmTelemetry

/// The monitor's update function: a message and the state in, the new state and the
/// effects out. Pure: everything it reads is in `UIState` and `UIContext`.
public enum UIUpdate {
    /// Applies `message` to `state`.
    public static func update(_ state: UIState, _ message: UIMessage, context: UIContext) -> (UIState, [UIEffect]) {
        var state = state
        var effects: [UIEffect] = []
        switch message {
        case .input(.key(let key)):
            handleKey(key, state: &state, effects: &effects, context: context)
        case .input(.mouse(let x, let y, let kind)):
            handleMouse(x: x, y: y, kind: kind, state: &state, context: context)
        case .input(.resize):
            // The layout is recomputed from the context's size on every render; only the
            // stored scroll offsets need re-clamping, which render does as it reads them.
            break
        case .input(.interrupt(let signal)):
            state.quit = true
            effects.append(.quit(status: 128 + signal))
        case .tick(let now):
            tick(now: now, state: &state, context: context)
        case .streamEnded:
            state.streamEnded = true
        }
        return (state, effects)
    }

    // MARK: Keys

    private static func handleKey(_ key: Key, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        if state.filterEditing {
            editFilter(key, state: &state)
            return
        }
        if state.helpVisible {
            switch key {
            case .char("q"): quit(&state, &effects)
            default: state.helpVisible = false
            }
            return
        }
        guard let action = UIKeyMap.action(for: key, focus: state.focus) else { return }
        perform(action, state: &state, effects: &effects, context: context)
    }

    /// Does what `action` means; keys reach here only through `UIKeyMap`.
    private static func perform(_ action: UIAction, state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        switch action {
        case .quit:
            quit(&state, &effects)
        case .help:
            state.helpVisible = true
        case .filter:
            state.filterEditing = true
            state.filterDraft = state.filter
        case .nextPane:
            cycleFocus(&state, by: 1)
        case .previousPane:
            cycleFocus(&state, by: -1)
        case .focusRuns:
            state.focus = .runs
        case .focusRight:
            if state.focus == .runs { state.focus = state.detailOpen ? .detail : .tools }
        case .pause:
            togglePause(&state, context: context)
        case .follow:
            state.followTokens.toggle()
            if state.followTokens { state.tokenScrollFromBottom = 0 }
            setStatus(&state, state.followTokens ? "following the token stream" : "follow off", context: context)
        case .exporters:
            state.exportersVisible.toggle()
            state.focus = state.exportersVisible ? .exporters : (state.focus == .exporters ? .runs : state.focus)
        case .log:
            state.showLog.toggle()
            if state.showLog, state.focus == .tokens { state.focus = .log }
            if !state.showLog, state.focus == .log { state.focus = .tokens }
            if state.showLog, state.detailOpen { state.detailOpen = false }
        case .theme:
            state.themeIndex = (state.themeIndex + 1) % max(1, state.themeCount)
            effects.append(.setTheme(index: state.themeIndex))
        case .back:
            if state.detailOpen {
                state.detailOpen = false
                state.focus = .tools
            } else if !state.filter.isEmpty {
                state.filter = ""
                setStatus(&state, "filter cleared", context: context)
            } else if state.focus != .runs {
                state.focus = .runs
            }
        case .open:
            activate(&state, effects: &effects, context: context)
        case .toggleExporter:
            toggleExporter(&state, effects: &effects, context: context)
        case .goToErrorRun:
            jumpToErrorRun(&state, context: context)
        case .down:
            move(&state, by: 1, context: context)
        case .up:
            move(&state, by: -1, context: context)
        case .pageDown:
            move(&state, by: pageSize(state, context), context: context)
        case .pageUp:
            move(&state, by: -pageSize(state, context), context: context)
        case .top:
            move(&state, by: Int.min / 2, context: context)
        case .bottom:
            move(&state, by: Int.max / 2, context: context)
        }
    }

    private static func quit(_ state: inout UIState, _ effects: inout [UIEffect]) {
        state.quit = true
        effects.append(.quit(status: 0))
    }

    private static func editFilter(_ key: Key, state: inout UIState) {
        switch key {
        case .enter:
            state.filter = state.filterDraft
            state.filterEditing = false
            state.scroll = [:]
            state.selectedErrorIndex = nil
        case .escape:
            state.filterEditing = false
            state.filterDraft = state.filter
        case .backspace:
            if !state.filterDraft.isEmpty { state.filterDraft.removeLast() }
        case .ctrl("u"):
            state.filterDraft = ""
        case .char(let c):
            // Bounded, so a pasted megabyte costs nothing per frame; the rest is ignored.
            if state.filterDraft.utf8.count < UIState.maxFilterBytes { state.filterDraft.append(c) }
        default:
            break
        }
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

    private static func setStatus(_ state: inout UIState, _ text: String, context: UIContext) {
        state.statusMessage = text
        state.statusMessageAt = context.now
    }

    /// Enter: go one level deeper from the focused pane.
    private static func activate(_ state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        let model = context.viewModel(state)
        switch state.focus {
        case .runs:
            pinRun(&state, model: model)
            state.focus = .tools
        case .tools:
            let calls = UIRows.timeline(model, UIRows.selectedRun(model, state: state))
            guard let index = UIRows.selectedToolIndex(calls, state: state) else { return }
            state.selectedToolIndex = index
            state.detailOpen = true
            state.detailScroll = 0
            state.focus = .detail
        case .errors:
            jumpToErrorRun(&state, context: context)
        case .exporters:
            toggleExporter(&state, effects: &effects, context: context)
        case .tokens, .log, .detail:
            break
        }
    }

    /// Makes the followed run an explicit selection, so new runs no longer move it.
    private static func pinRun(_ state: inout UIState, model: MonitorModel) {
        if state.selectedRunID == nil { state.selectedRunID = UIRows.selectedRun(model, state: state)?.id }
    }

    private static func toggleExporter(_ state: inout UIState, effects: inout [UIEffect], context: UIContext) {
        guard !context.exporters.isEmpty else { return }
        let index = min(state.selectedExporterIndex, context.exporters.count - 1)
        let row = context.exporters[index]
        if let command = row.installCommand {
            setStatus(&state, "\(row.name) is not installed here: \(command)", context: context)
            return
        }
        effects.append(.setExporter(name: row.name, enabled: !row.enabled))
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
        if !state.filter.isEmpty && !UIRows.runMatches(run, filter: state.filter) { state.filter = "" }
        state.selectedRunID = runID
        state.detailOpen = false
        state.focus = .runs
        if let callID = entry.callID,
            let callIndex = UIRows.timeline(model, run).firstIndex(where: { $0.runID == runID && $0.call.callID == callID })
        {
            state.selectedToolIndex = callIndex
            state.focus = .tools
        } else {
            state.selectedToolIndex = nil
        }
        setStatus(&state, "jumped to run \(runID)", context: context)
    }

    // MARK: Movement

    private static func pageSize(_ state: UIState, _ context: UIContext) -> Int {
        let layout = UILayout(width: context.width, height: context.height, state: state)
        return max(1, layout.listRows(state.focus) - 1)
    }

    /// Moves the focused pane's selection (or scroll, for text panes) by `delta` rows.
    static func move(_ state: inout UIState, by delta: Int, context: UIContext) {
        let model = context.viewModel(state)
        let layout = UILayout(width: context.width, height: context.height, state: state)
        let visible = layout.listRows(state.focus)
        switch state.focus {
        case .runs:
            let rows = UIRows.runs(model, filter: state.filter)
            guard let current = UIRows.selectedRunIndex(rows, state: state) else { return }
            let next = clamp(current, delta, count: rows.count)
            state.selectedRunID = rows[next].run.id
            state.selectedToolIndex = nil
            state.tokenScrollFromBottom = 0
            state.tokenRateSamples = []
            state.scroll[.runs] = UIRows.window(selected: next, count: rows.count, visible: visible, stored: state.scroll[.runs] ?? 0)
        case .tools:
            let calls = UIRows.timeline(model, UIRows.selectedRun(model, state: state))
            guard let current = UIRows.selectedToolIndex(calls, state: state) else { return }
            pinRun(&state, model: model)
            let next = clamp(current, delta, count: calls.count)
            state.selectedToolIndex = next
            state.scroll[.tools] = UIRows.window(
                selected: next, count: calls.count, visible: visible, stored: state.scroll[.tools] ?? 0)
        case .errors:
            let errors = UIRows.errors(model, filter: state.filter)
            guard let current = UIRows.selectedErrorIndex(errors, state: state) else { return }
            let next = clamp(current, delta, count: errors.count)
            // Back at the newest entry: follow new errors again.
            state.selectedErrorIndex = next == errors.count - 1 ? nil : next
            state.scroll[.errors] = UIRows.window(
                selected: next, count: errors.count, visible: visible, stored: state.scroll[.errors] ?? 0)
        case .exporters:
            guard !context.exporters.isEmpty else { return }
            let next = clamp(min(state.selectedExporterIndex, context.exporters.count - 1), delta, count: context.exporters.count)
            state.selectedExporterIndex = next
            state.scroll[.exporters] = UIRows.window(
                selected: next, count: context.exporters.count, visible: visible, stored: state.scroll[.exporters] ?? 0)
        case .tokens:
            // Scrolling up leaves follow mode; reaching the end again resumes it. Offsets
            // are clamped to the content (wrapped at the pane's width), so `g` then `j`
            // moves at once instead of first unwinding an offset past the top.
            var next = max(0, saturatingSubtract(state.tokenScrollFromBottom, delta))
            if next > 0, let run = UIRows.selectedRun(model, state: state) {
                let total = DisplayWidth.wrap(run.text, width: max(1, layout.inner(.tokens).width)).count
                next = min(next, max(0, total - visible))
            }
            state.tokenScrollFromBottom = next
            state.followTokens = next == 0
        case .log:
            let count = UIRows.log(model, filter: state.filter).count
            state.logScrollFromBottom = min(max(0, saturatingSubtract(state.logScrollFromBottom, delta)), max(0, count - visible))
        case .detail:
            var next = max(0, saturatingAdd(state.detailScroll, delta))
            let run = UIRows.selectedRun(model, state: state)
            let calls = UIRows.timeline(model, run)
            if let run, let index = UIRows.selectedToolIndex(calls, state: state) {
                let width = max(1, layout.inner(.detail).width)
                let lines = UIPainter.detailLines(calls[index], run: run, now: context.now)
                let total = lines.reduce(0) { $0 + $1.wrapped(width: width).count }
                next = min(next, max(0, total - visible))
            }
            state.detailScroll = next
        }
    }

    private static func clamp(_ current: Int, _ delta: Int, count: Int) -> Int {
        min(max(0, saturatingAdd(current, delta)), max(0, count - 1))
    }

    private static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int.max : Int.min) : sum
    }

    private static func saturatingSubtract(_ a: Int, _ b: Int) -> Int {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? Int.max : Int.min) : difference
    }

    // MARK: Mouse

    private static func handleMouse(x: Int, y: Int, kind: MouseKind, state: inout UIState, context: UIContext) {
        if state.helpVisible {
            if kind == .press { state.helpVisible = false }
            return
        }
        let layout = UILayout(width: context.width, height: context.height, state: state)
        guard let pane = layout.pane(atX: x, y: y) else { return }
        switch kind {
        case .wheelUp, .wheelDown:
            let previous = state.focus
            state.focus = pane
            move(&state, by: kind == .wheelUp ? -3 : 3, context: context)
            if pane != previous, pane == .tokens || pane == .log || pane == .detail { state.focus = previous }
        case .press:
            state.focus = pane
            let inner = layout.inner(pane)
            guard inner.contains(x: x, y: y) else { return }
            selectRow(
                y - inner.y - UILayout.headingRows(pane), in: pane, state: &state, context: context,
                visible: layout.listRows(pane))
        case .release:
            break
        }
    }

    /// A click on row `row` of a list pane selects what is drawn there.
    private static func selectRow(_ row: Int, in pane: UIPane, state: inout UIState, context: UIContext, visible: Int) {
        let model = context.viewModel(state)
        switch pane {
        case .runs:
            let rows = UIRows.runs(model, filter: state.filter)
            let top = UIRows.window(
                selected: UIRows.selectedRunIndex(rows, state: state), count: rows.count, visible: visible,
                stored: state.scroll[.runs] ?? 0)
            guard row >= 0, top + row < rows.count else { return }
            if state.selectedRunID != rows[top + row].run.id {
                state.selectedToolIndex = nil
                state.tokenRateSamples = []
            }
            state.selectedRunID = rows[top + row].run.id
            state.scroll[.runs] = top
        case .tools:
            let timeline = UIRows.timeline(model, UIRows.selectedRun(model, state: state))
            let calls = timeline.count
            guard calls > 0 else { return }
            let top = UIRows.window(
                selected: UIRows.selectedToolIndex(timeline, state: state), count: calls, visible: visible,
                stored: state.scroll[.tools] ?? 0)
            guard row >= 0, top + row < calls else { return }
            pinRun(&state, model: model)
            state.selectedToolIndex = top + row
            state.scroll[.tools] = top
        case .errors:
            let errors = UIRows.errors(model, filter: state.filter)
            let top = UIRows.window(
                selected: UIRows.selectedErrorIndex(errors, state: state), count: errors.count, visible: visible,
                stored: state.scroll[.errors] ?? 0)
            guard row >= 0, top + row < errors.count else { return }
            state.selectedErrorIndex = top + row
            state.scroll[.errors] = top
        case .exporters:
            let top = UIRows.window(
                selected: state.selectedExporterIndex, count: context.exporters.count, visible: visible,
                stored: state.scroll[.exporters] ?? 0)
            guard row >= 0, top + row < context.exporters.count else { return }
            state.selectedExporterIndex = top + row
        case .tokens, .log, .detail:
            break
        }
    }

    // MARK: Ticks

    private static func tick(now: Timestamp, state: inout UIState, context: UIContext) {
        if let at = state.statusMessageAt, now.seconds(since: at) > 5 {
            state.statusMessage = nil
            state.statusMessageAt = nil
        }
        guard state.paused == nil, let run = UIRows.selectedRun(context.model, state: state) else { return }
        guard let base = state.tokenSampleBase, base.runID == run.id else {
            state.tokenSampleBase = UIState.TokenSample(runID: run.id, tokens: run.tokenCount, at: now)
            state.tokenRateSamples = []
            return
        }
        let elapsed = now.seconds(since: base.at)
        guard elapsed >= 1 else { return }
        state.tokenRateSamples.append(Double(run.tokenCount - base.tokens) / elapsed)
        if state.tokenRateSamples.count > 240 { state.tokenRateSamples.removeFirst(state.tokenRateSamples.count - 240) }
        state.tokenSampleBase = UIState.TokenSample(runID: run.id, tokens: run.tokenCount, at: now)
    }
}
