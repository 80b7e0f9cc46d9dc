import Foundation
import CharmTelemetry

/// One row of the run tree: a run and how deep it sits.
package struct RunRow: Sendable {
    /// The run.
    package var run: MonitorRun
    /// 0 for a root, 1 for its children, and so on.
    package var depth: Int
}

/// The lists the panes show, derived from the model and the filter. Shared by `update`
/// (to move selections) and `render` (to draw them), so both agree on every index.
package enum UIRows {
    /// The run tree flattened depth-first, children under their parent; with a filter,
    /// only runs whose id, a tool name or the streamed text contains it (depths kept).
    package static func runs(_ model: MonitorModel, filter: String) -> [RunRow] {
        treeRows(model, filter: filter).compactMap { row in model.run(row.id).map { RunRow(run: $0, depth: row.depth) } }
    }

    /// `runs` as ids and depths, without copying a run: the model's cached tree as it is
    /// when no filter is set, so a frame costs no pass over every run kept. With a filter,
    /// `cache` (the front end's) matches again only what changed since the last frame.
    package static func treeRows(_ model: MonitorModel, filter: String, cache: RunFilterCache? = nil) -> [RunTreeRow] {
        let tree = model.runTree
        guard !filter.isEmpty else { return tree }
        if let cache { return cache.filter(tree, model: model, filter: filter) }
        return tree.filter { row in model.runs[row.id].map { runMatches($0, filter: filter) } ?? false }
    }

    /// Whether a run matches the filter by id, tool name, tool input or text.
    package static func runMatches(_ run: MonitorRun, filter: String) -> Bool {
        if matches(run.id, filter) || run.name.map({ matches($0, filter) }) == true { return true }
        if run.toolCalls.contains(where: { matches($0.toolName, filter) || matches($0.input, filter) }) { return true }
        if run.llmCalls.contains(where: { c in
            c.call.model.map { matches($0, filter) } == true || c.call.provider.map { matches($0, filter) } == true
        }) {
            return true
        }
        return matches(run.text, filter)
    }

    /// The selected row's index: the selected id's row, or the newest run when none is
    /// picked (or the picked one was filtered out or evicted).
    package static func selectedRunIndex(_ rows: [RunTreeRow], state: UIState) -> Int? {
        guard !rows.isEmpty else { return nil }
        if let id = state.selectedRunID, let index = rows.firstIndex(where: { $0.id == id }) { return index }
        // The newest top-level run: a session shows its own tokens and, in the timeline, what
        // its sub-runs did; following a sub-run instead would hide the session's tokens.
        var newest: Int?
        for (index, row) in rows.enumerated() where row.depth == 0 && row.order > (newest.map { rows[$0].order } ?? 0) {
            newest = index
        }
        if let newest { return newest }
        var any = 0
        for (index, row) in rows.enumerated() where row.order > rows[any].order { any = index }
        return any
    }

    /// The run the tool, token and detail panes are about.
    package static func selectedRun(_ model: MonitorModel, state: UIState) -> MonitorRun? {
        selectedRun(model, state: state, cache: nil)
    }

    /// `selectedRun`, matching the filter through the front end's `cache`.
    package static func selectedRun(_ model: MonitorModel, state: UIState, cache: RunFilterCache?) -> MonitorRun? {
        if let id = state.selectedRunID, let run = model.run(id) { return run }
        let rows = treeRows(model, filter: state.filter, cache: cache)
        return selectedRunIndex(rows, state: state).flatMap { model.run(rows[$0].id) }
    }

    /// The most descendant runs the timeline visits, so a run with thousands of sub-runs
    /// cannot make every frame slow.
    static let timelineRunLimit = 1_000

    /// The tool calls the timeline shows for `run`: its own and those of its descendants
    /// (an agent that hands work to sub-agents shows what they did), by start time, a
    /// run's own calls first among equal starts.
    package static func timeline(_ model: MonitorModel, _ run: MonitorRun?) -> [TimelineCall] {
        guard let run else { return [] }
        var out = run.toolCalls.map { TimelineCall(runID: run.id, call: $0) }
        // Model calls beside tool calls: both lists are in start order, so only a run with
        // both (or sub-runs) needs the sort below.
        var merged = !run.llmCalls.isEmpty && !out.isEmpty
        out += run.llmCalls.map { TimelineCall(runID: run.id, llm: $0) }
        var queue = run.children
        var head = 0
        while head < queue.count && head < timelineRunLimit {
            let id = queue[head]
            head += 1
            guard let child = model.run(id) else { continue }
            if !child.toolCalls.isEmpty || !child.llmCalls.isEmpty {
                out += child.toolCalls.map { TimelineCall(runID: child.id, call: $0) }
                out += child.llmCalls.map { TimelineCall(runID: child.id, llm: $0) }
                merged = true
            }
            queue += child.children
        }
        guard merged else { return out }
        return out.enumerated().sorted { a, b in
            a.element.start != b.element.start ? a.element.start < b.element.start : a.offset < b.offset
        }.map(\.element)
    }

    /// The selected entry's index in `calls` (the timeline); the newest when none is chosen.
    package static func selectedToolIndex(_ calls: [TimelineCall], state: UIState) -> Int? {
        chosenOrNewest(state.selectedToolIndex, count: calls.count)
    }

    /// `chosen` pinned into a list of `count` (newest last), or the newest when none is
    /// chosen; `nil` for an empty list.
    static func chosenOrNewest(_ chosen: Int?, count: Int) -> Int? {
        guard count > 0 else { return nil }
        return min(chosen ?? count - 1, count - 1)
    }

    /// Errors that match the filter, oldest first.
    package static func errors(_ model: MonitorModel, filter: String) -> [MonitorErrorEntry] {
        let all = Array(model.errors)
        guard !filter.isEmpty else { return all }
        return all.filter { e in
            matches(e.message, filter) || matches(e.runID ?? "", filter) || matches(e.preview ?? "", filter)
                || matches(e.source?.name ?? "", filter)
        }
    }

    /// The selected error's index.
    package static func selectedErrorIndex(_ errors: [MonitorErrorEntry], state: UIState) -> Int? {
        selectedErrorIndex(count: errors.count, state: state)
    }

    /// The selected error's index in a list of `count` errors.
    static func selectedErrorIndex(count: Int, state: UIState) -> Int? {
        chosenOrNewest(state.selectedErrorIndex, count: count)
    }

    /// Log lines that match the filter, oldest first.
    package static func log(_ model: MonitorModel, filter: String) -> [LogEntry] {
        let all = Array(model.log)
        guard !filter.isEmpty else { return all }
        return all.filter { matches($0.text, filter) || matches($0.source.name, filter) }
    }

    /// Case-insensitive containment; the empty filter matches nothing (nothing to mark).
    package static func matches(_ text: String, _ filter: String) -> Bool {
        !filter.isEmpty && text.range(of: filter, options: .caseInsensitive) != nil
    }

    /// The first row to show so `selected` is visible in `visible` rows, starting from
    /// the stored offset and moving as little as possible.
    package static func window(selected: Int?, count: Int, visible: Int, stored: Int) -> Int {
        let visible = max(1, visible)
        var top = min(max(0, stored), max(0, count - visible))
        if let selected {
            if selected < top { top = selected }
            if selected >= top + visible { top = selected - visible + 1 }
        }
        return max(0, top)
    }
}

/// One row of the tool timeline: a call and the run it belongs to.
package struct TimelineCall: Sendable, Hashable {
    /// A tool call or a language-model call.
    package enum Item: Sendable, Hashable {
        case tool(ToolCallRecord)
        case llm(LLMCallRecord)
    }

    /// The run that made the call: the selected run or one of its descendants.
    package var runID: String
    /// The call.
    package var item: Item

    /// A tool call of `runID`.
    package init(runID: String, call: ToolCallRecord) {
        self.runID = runID
        self.item = .tool(call)
    }

    /// A language-model call of `runID`.
    package init(runID: String, llm: LLMCallRecord) {
        self.runID = runID
        self.item = .llm(llm)
    }

    /// The tool call, when it is one.
    package var tool: ToolCallRecord? { if case .tool(let c) = item { c } else { nil } }
    /// The language-model call, when it is one.
    package var llm: LLMCallRecord? { if case .llm(let c) = item { c } else { nil } }

    /// The call's id.
    package var callID: String {
        switch item {
        case .tool(let c): c.callID
        case .llm(let c): c.callID
        }
    }

    /// The tool's name, or the model's.
    package var name: String {
        switch item {
        case .tool(let c): c.toolName
        case .llm(let c): c.displayName
        }
    }

    /// Running, ok or error.
    package var status: ActivityStatus {
        switch item {
        case .tool(let c): c.status
        case .llm(let c): c.status
        }
    }

    /// When it started.
    package var start: Timestamp {
        switch item {
        case .tool(let c): c.start
        case .llm(let c): c.start
        }
    }

    /// When it ended; `nil` while running.
    package var end: Timestamp? {
        switch item {
        case .tool(let c): c.end
        case .llm(let c): c.end
        }
    }

    /// Seconds from start to end; `nil` while running.
    package var duration: Double? { end.map { max(0, $0.seconds(since: start)) } }

    /// Seconds from the run's start to this call's start.
    package func startOffset(in run: MonitorRun) -> Double { start.seconds(since: run.start) }

    /// The one-line preview the timeline shows after the bar: a tool's input; a model
    /// call's tokens in and out, and its cost when `prices` knows it.
    package func preview(prices: PriceTable) -> String {
        switch item {
        case .tool(let c): return UIFormat.oneLine(c.input)
        case .llm(let c):
            var parts: [String] = []
            if let i = c.call.inputTokens { parts.append("in \(i)") }
            if let o = c.call.outputTokens { parts.append("out \(o)") }
            if let cost = prices.cost(of: c.call) { parts.append(UIFormat.cost(cost)) }
            if !c.call.finishReasons.isEmpty { parts.append(c.call.finishReasons.joined(separator: ",")) }
            return parts.joined(separator: " · ")
        }
    }

    /// How the timeline labels the call's run beside the selected run `selected`: nothing
    /// for its own calls, the id after the selected run's (`planner` under `session-1` for
    /// `session-1.planner`), else the whole id.
    package func label(under selected: String) -> String? {
        guard runID != selected else { return nil }
        let prefix = selected + "."
        return runID.hasPrefix(prefix) ? String(runID.dropFirst(prefix.count)) : runID
    }
}
