import CharmTelemetry
import Foundation

/// One call in full, opened with Enter on the timeline: a tool call's input and output (or
/// error), or a model call's model, tokens, cost, finish reasons and messages; JSON
/// pretty-printed, wrapped to the pane and scrollable. Owns its scroll position.
struct DetailPane: MonitorPane {
    /// The first line shown.
    var scroll = 0

    /// What the pane draws: the call and the run it is shown under.
    struct View: Sendable {
        /// The call.
        var entry: TimelineCall?
        /// The run whose timeline it is in (without text or calls: see `MonitorRun.forView`).
        var run: MonitorRun?
        /// What model calls cost.
        var prices = PriceTable()
    }

    /// Builds the view from the timeline of `run`.
    static func view(run: MonitorRun?, calls: [TimelineCall], ui: UIState, prices: PriceTable) -> View {
        guard let run, let index = UIRows.selectedToolIndex(calls, state: ui) else { return View() }
        return View(entry: calls[index], run: run.forView(), prices: prices)
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        let visible = context.visible(.detail)
        guard let delta = input.rows(page: max(1, visible - 1)) else { return [] }
        var next = max(0, scroll.saturatingAdd(delta))
        let run = context.selectedRun
        let calls = UIRows.timeline(context.model, run)
        if let run, let index = UIRows.selectedToolIndex(calls, state: context.ui) {
            let width = max(1, context.layout.inner(.detail).width)
            let page = DetailPane.page(calls[index], run: run, now: context.now, prices: context.model.prices, width: width)
            next = min(next, page.maxTop(visible: visible))
        }
        scroll = next
        return []
    }

    /// The detail view wrapped to a width: its lines, and where each section's heading is.
    struct Page {
        /// The lines, wrapped.
        var lines: [StyledLine]
        /// Each section's title ("input", "output", "error", "input messages", "output
        /// messages") and the line its heading is on, top to bottom.
        var headings: [(title: String, line: Int)]

        /// The furthest the view scrolls for `visible` rows: to the end, or further until the
        /// last heading reaches the top, so every section can be brought under view (and
        /// copied with `y`) even when the whole call fits.
        func maxTop(visible: Int) -> Int { max(0, lines.count - visible, headings.last?.line ?? 0) }

        /// The section at the top of the view when it starts at `top`: the last heading at or
        /// above that line, else the first one.
        func section(atTop top: Int) -> String? {
            headings.last { $0.line <= top }?.title ?? headings.first?.title
        }
    }

    /// The view of `entry` wrapped to `width`.
    static func page(_ entry: TimelineCall, run: MonitorRun, now: Timestamp, prices: PriceTable, width: Int) -> Page {
        var page = Page(lines: [], headings: [])
        for line in lines(entry, run: run, now: now, prices: prices) {
            if let title = sectionTitle(line) { page.headings.append((title, page.lines.count)) }
            page.lines += line.wrapped(width: max(1, width))
        }
        return page
    }

    /// The section `y` copies in the detail view scrolled to `scroll` of `visible` rows.
    static func sectionInView(
        _ entry: TimelineCall, run: MonitorRun, now: Timestamp, prices: PriceTable, width: Int, visible: Int, scroll: Int
    ) -> String? {
        let page = page(entry, run: run, now: now, prices: prices, width: width)
        return page.section(atTop: min(scroll, page.maxTop(visible: visible)))
    }

    /// The text of section `title` of `entry`, as the model holds it (not pretty-printed):
    /// `nil` for an output not there yet.
    static func sectionText(_ entry: TimelineCall, title: String) -> String? {
        func error(_ e: TelemetryError?) -> String? { e.map { "\($0.type): \($0.message)" } }
        switch (entry.item, title) {
        case (.tool(let c), "input"): return c.input
        case (.tool(let c), "output"): return c.output
        case (.tool(let c), "error"): return error(c.error)
        case (.llm(let c), "input messages"): return c.call.inputMessages
        case (.llm(let c), "output messages"): return c.call.outputMessages
        case (.llm(let c), "error"): return error(c.call.error)
        default: return nil
        }
    }

    /// A section heading's line: `── title ──` in the title role, which nothing else in the
    /// view uses.
    static func heading(_ title: String) -> StyledLine { StyledLine("── " + title + " ──", .title) }

    private static func sectionTitle(_ line: StyledLine) -> String? {
        guard line.segments.count == 1, line.segments[0].role == .title else { return nil }
        let text = line.segments[0].text
        guard text.hasPrefix("── "), text.hasSuffix(" ──") else { return nil }
        return String(text.dropFirst(3).dropLast(3))
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .detail
        guard let entry = view.entry, let run = view.run else {
            let inner = p.box(rect, title: "Call", focused: focused, note: "Esc: back")
            p.empty("no call selected", in: inner)
            return
        }
        let inner = rect.inset(by: 1)
        let page = DetailPane.page(entry, run: run, now: p.now, prices: view.prices, width: inner.width)
        let lines = page.lines
        let top = min(scroll, page.maxTop(visible: max(1, inner.height)))
        let shownEnd = min(lines.count, top + inner.height)
        let position = lines.count > inner.height || top > 0 ? "\(top + 1)–\(shownEnd)/\(lines.count) · " : ""
        let yank = page.section(atTop: top).map { "y: \($0) · " } ?? ""
        let kind = entry.llm == nil ? "Tool call" : "LLM call"
        p.box(rect, title: "\(kind) · \(entry.name)", focused: focused, note: position + yank + "Esc: back")
        guard inner.height > 0, top < shownEnd else { return }
        for (offset, line) in lines[top..<shownEnd].enumerated() {
            var x = inner.x
            let y = inner.y + offset
            for segment in line.segments where x < inner.maxX {
                let start = x
                x += p.grid.put(segment.text, x: x, y: y, style: p.theme[segment.role], maxWidth: inner.maxX - x)
                p.markRedactions(segment.text, x: start, y: y, width: x - start)
                if !p.ui.filter.isEmpty { p.highlight(segment.text, x: start, y: y, width: x - start) }
            }
        }
    }

    /// The detail view's content before wrapping.
    static func lines(_ entry: TimelineCall, run: MonitorRun, now: Timestamp, prices: PriceTable) -> [StyledLine] {
        var lines: [StyledLine] = []
        var summary: [StyledLine.Segment] = [
            .init(UIFormat.glyph(entry.status) + " ", UIFormat.role(entry.status)),
            .init(entry.name, entry.llm == nil ? .toolName : .accent),
            .init("  " + entry.status.rawValue, UIFormat.role(entry.status)), .init("  call " + entry.callID, .dim),
        ]
        if entry.runID != run.id { summary.append(.init("  run " + entry.runID, .dim)) }
        lines.append(StyledLine(summary))
        let took = entry.duration.map { "took " + UIFormat.duration($0) }
            ?? "running for " + UIFormat.duration(max(0, now.seconds(since: entry.start)))
        lines.append(StyledLine([
            .init("started +" + UIFormat.duration(max(0, entry.startOffset(in: run))) + " into run ", .dim),
            .init(run.id, .accent), .init(" · " + took, .timestamp),
        ]))
        switch entry.item {
        case .tool(let call): lines += toolLines(call)
        case .llm(let call): lines += llmLines(call, prices: prices)
        }
        return lines
    }

    private static func toolLines(_ call: ToolCallRecord) -> [StyledLine] {
        var lines: [StyledLine] = [StyledLine(), heading("input")]
        lines += body(call.input)
        if let error = call.error { lines += errorLines(error) }
        if let output = call.output {
            lines.append(StyledLine())
            lines.append(heading("output"))
            lines += body(output)
        } else if call.error == nil {
            lines.append(StyledLine())
            lines.append(heading("output"))
            lines.append(StyledLine("(still running)", .dim))
        }
        return lines
    }

    private static func llmLines(_ record: LLMCallRecord, prices: PriceTable) -> [StyledLine] {
        let call = record.call
        var facts: [(String, String)] = []
        if let m = call.model { facts.append(("model", m)) }
        if let p = call.provider { facts.append(("provider", p)) }
        if let o = call.operation { facts.append(("operation", o)) }
        func tokens(_ n: Int?) -> String { n.map(String.init) ?? "not reported" }
        facts.append(("tokens in", tokens(call.inputTokens) + (call.cacheReadTokens.map { " (\($0) from cache)" } ?? "")))
        facts.append(("tokens out", tokens(call.outputTokens) + (call.reasoningTokens.map { " (\($0) reasoning)" } ?? "")))
        facts.append(("cost", prices.cost(of: call).map(UIFormat.cost) ?? "unknown (no price for this model, or tokens not reported)"))
        if !call.finishReasons.isEmpty { facts.append(("finish", call.finishReasons.joined(separator: ", "))) }
        var lines: [StyledLine] = [StyledLine()]
        for (k, v) in facts { lines.append(StyledLine([.init(k.padding(toLength: 12, withPad: " ", startingAt: 0), .dim), .init(v, .text)])) }
        if let error = call.error { lines += errorLines(error) }
        for (title, text) in [("input messages", call.inputMessages), ("output messages", call.outputMessages)] {
            guard let text else { continue }
            lines.append(StyledLine())
            lines.append(heading(title))
            lines += body(text)
        }
        return lines
    }

    private static func errorLines(_ error: TelemetryError) -> [StyledLine] {
        var lines = [StyledLine(), heading("error"), StyledLine(error.type + ":", .error)]
        lines += body(error.message).map { line in StyledLine(line.segments.map { StyledLine.Segment($0.text, .error) }) }
        return lines
    }

    /// Text as pretty JSON when it parses as an object or array, else its lines.
    static func body(_ text: String) -> [StyledLine] {
        if let json = JSONPretty.lines(ofJSONText: text) { return json }
        if text.isEmpty { return [StyledLine("(empty)", .dim)] }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            StyledLine(String($0).replacingOccurrences(of: "\t", with: "    "), .text)
        }
    }
}
