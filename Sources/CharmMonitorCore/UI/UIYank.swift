import CharmTelemetry

/// What `y` and `Y` copy, by the pane that has the focus: the selected run as JSON (runs
/// pane), the selected call as JSON (calls pane), the section of a call under view — its
/// input, output, error or messages — or with `Y` the whole call as JSON (detail view), the
/// run's streamed text (tokens pane), the selected error as JSON (errors pane), the selected
/// pair of a comparison as JSON, or with its diff open the diff as text (compare view), a
/// tool's statistics or one of its calls as JSON (tools view). It reads the
/// model the view shows, so a paused view copies what is on screen.
package enum UIYank {
    /// A copy to make, or why there is nothing to copy.
    package enum Outcome: Hashable, Sendable {
        /// Put `text` on the clipboard; `what` names it for the footer; `bytes` is its whole
        /// size in UTF-8 before any cap.
        case copy(text: String, what: String, bytes: Int)
        /// Nothing to copy, and why (for the footer).
        case nothing(String)
    }

    /// What `y` (or with `whole`, `Y`) copies under `state`.
    package static func outcome(whole: Bool, state: UIState, context: UIContext) -> Outcome {
        let model = context.viewModel(state)
        let run = UIRows.selectedRun(model, state: state, cache: context.filterCache)
        func json(_ value: JSONValue, _ what: String) -> Outcome {
            let text = JSONWriter.compact(value)
            return .copy(text: text, what: what, bytes: text.utf8.count)
        }
        switch state.focus {
        case .runs:
            guard let run else { return .nothing("no run to copy") }
            return json(CopyJSON.run(run, prices: model.prices), "run \(run.id) as JSON")
        case .tools, .detail:
            let calls = UIRows.timeline(model, run)
            guard let run, let index = UIRows.selectedToolIndex(calls, state: state) else {
                return .nothing("no call to copy")
            }
            let entry = calls[index]
            let name = "\(entry.llm == nil ? "call" : "model call") \(entry.name)"
            if whole || state.focus == .tools { return json(CopyJSON.call(entry, prices: model.prices), "\(name) as JSON") }
            let layout = UILayout(width: context.width, height: context.height, state: state)
            guard
                let title = DetailPane.sectionInView(
                    entry, run: run, now: context.now, prices: model.prices, width: layout.inner(.detail).width,
                    visible: layout.listRows(.detail), scroll: state.detailScroll)
            else { return .nothing("this call has nothing to copy") }
            guard let text = DetailPane.sectionText(entry, title: title) else { return .nothing("the \(title) is not there yet") }
            return .copy(text: text, what: "\(title) of \(name)", bytes: text.utf8.count)
        case .tokens:
            guard let run else { return .nothing("no run to copy") }
            return .copy(text: run.text, what: "text of run \(run.id)", bytes: run.text.utf8.count)
        case .errors:
            let errors = UIRows.errors(model, filter: state.filter)
            guard let index = UIRows.selectedErrorIndex(errors, state: state) else { return .nothing("no error to copy") }
            return json(CopyJSON.error(errors[index]), "error as JSON")
        case .compare:
            // The selected pair as JSON; with its diff open, the diff as text (- and + lines).
            guard let alignment = state.comparison, state.selectedCompareRow < alignment.rows.count else {
                return .nothing("nothing compared")
            }
            let row = state.selectedCompareRow
            if let diff = state.comparePane.diff, !whole {
                let text = diff.map(\.text).joined(separator: "\n") + "\n"
                return .copy(text: text, what: "diff of compared row \(row + 1)", bytes: text.utf8.count)
            }
            return json(alignment.rowJSON(row), "compared row \(row + 1) as JSON")
        case .toolStats:
            // In the tools view the selected tool's figures; in its call list the selected call.
            let pane = state.toolStatsPane
            if let tool = pane.listing {
                let rows = ToolStatsPane.calls(of: tool, in: model).rows
                guard !rows.isEmpty else { return .nothing("no call to copy") }
                let row = rows[min(pane.selectedCall, rows.count - 1)]
                return json(CopyJSON.call(TimelineCall(runID: row.runID, call: row.call), prices: model.prices), "call \(tool) as JSON")
            }
            let tools = pane.sorted(model)
            guard !tools.isEmpty else { return .nothing("no tool to copy") }
            let stats = tools[min(pane.selected, tools.count - 1)]
            return json(stats.json, "statistics of \(stats.name) as JSON")
        case .log, .exporters:
            return .nothing("nothing to copy here: y copies a run, a call, a section of one, the text or an error")
        }
    }

    /// The footer's words for a copy of `bytes` bytes of `what`, `sent` of them sent.
    package static func message(what: String, bytes: Int, sent: Int) -> String {
        if sent == bytes { return "copied \(what) · \(bytes) bytes" }
        return "copied \(what) · first \(sent) of \(bytes) bytes (OSC 52 takes at most \(ClipboardSequence.maxTextBytes))"
    }
}
