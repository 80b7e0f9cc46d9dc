import CharmTelemetry
import Foundation

extension UIPainter {
    /// One tool call in full: a summary, then the whole input and output (or error),
    /// JSON pretty-printed, wrapped to the pane and scrollable.
    mutating func drawDetail(in rect: Rect, run: MonitorRun?) {
        let focused = ui.focus == .detail
        let calls = UIRows.timeline(model, run)
        guard let run, let index = UIRows.selectedToolIndex(calls, state: ui) else {
            let inner = box(rect, title: "Tool call", focused: focused, note: "Esc: back")
            empty("no tool call selected", in: inner)
            return
        }
        let call = calls[index].call
        let all = UIPainter.detailLines(calls[index], run: run, now: now)
        let inner = rect.inset(by: 1)
        var lines: [StyledLine] = []
        for line in all { lines += line.wrapped(width: max(1, inner.width)) }
        let top = min(ui.detailScroll, max(0, lines.count - inner.height))
        let position = lines.count > inner.height ? "\(top + 1)–\(min(lines.count, top + inner.height))/\(lines.count) · " : ""
        box(rect, title: "Tool call · \(call.toolName)", focused: focused, note: position + "Esc: back")
        guard inner.height > 0 else { return }
        for (offset, line) in lines[top..<min(lines.count, top + inner.height)].enumerated() {
            var x = inner.x
            let y = inner.y + offset
            for segment in line.segments where x < inner.maxX {
                let start = x
                x += grid.put(segment.text, x: x, y: y, style: theme[segment.role], maxWidth: inner.maxX - x)
                markRedactions(segment.text, x: start, y: y, width: x - start)
                if !ui.filter.isEmpty { highlight(segment.text, x: start, y: y, width: x - start) }
            }
        }
    }

    /// The detail view's content before wrapping.
    static func detailLines(_ entry: TimelineCall, run: MonitorRun, now: Timestamp) -> [StyledLine] {
        let call = entry.call
        var lines: [StyledLine] = []
        var summary: [StyledLine.Segment] = [
            .init(UIFormat.glyph(call.status) + " ", UIFormat.role(call.status)), .init(call.toolName, .toolName),
            .init("  " + call.status.rawValue, UIFormat.role(call.status)), .init("  call " + call.callID, .dim),
        ]
        if entry.runID != run.id { summary.append(.init("  run " + entry.runID, .dim)) }
        lines.append(StyledLine(summary))
        let took = call.duration.map { "took " + UIFormat.duration($0) }
            ?? "running for " + UIFormat.duration(max(0, now.seconds(since: call.start)))
        lines.append(StyledLine([
            .init("started +" + UIFormat.duration(max(0, call.startOffset(in: run))) + " into run ", .dim),
            .init(run.id, .accent), .init(" · " + took, .timestamp),
        ]))
        lines.append(StyledLine())
        lines.append(StyledLine("── input ──", .title))
        lines += body(call.input)
        if let error = call.error {
            lines.append(StyledLine())
            lines.append(StyledLine("── error ──", .title))
            lines.append(StyledLine(error.type + ":", .error))
            lines += body(error.message).map { line in
                StyledLine(line.segments.map { StyledLine.Segment($0.text, .error) })
            }
        }
        if let output = call.output {
            lines.append(StyledLine())
            lines.append(StyledLine("── output ──", .title))
            lines += body(output)
        } else if call.error == nil {
            lines.append(StyledLine())
            lines.append(StyledLine("── output ──", .title))
            lines.append(StyledLine("(still running)", .dim))
        }
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
