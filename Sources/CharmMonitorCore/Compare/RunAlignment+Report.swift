import CharmTelemetry
import Foundation

/// The alignment as `charm-monitor diff` prints it: plain text columns for a person, or one
/// JSON object for a program. Pure, so both are tested without the binary.
extension RunAlignment {
    /// The relation's mark in the `≠` column: `=` same, `!` same call with another status,
    /// `~` input changed, `-` only left, `+` only right.
    package static func mark(_ row: AlignedRow) -> String {
        switch row.relation {
        case .same: row.statusDiffers ? "!" : "="
        case .changed: "~"
        case .onlyLeft: "-"
        case .onlyRight: "+"
        }
    }

    /// One side's cell: status glyph, name and input on one line, the input fitted into
    /// `room` cells against `other` (the other side's input) as `preview` does.
    package static func cell(_ call: ComparableCall?, other: ComparableCall? = nil, room: Int = .max) -> String {
        guard let call else { return "" }
        let head = UIFormat.glyph(call.status) + " " + (call.kind == .llm ? "◆ " : "") + call.name
        let input = preview(call.input, against: other?.input, room: room - DisplayWidth.of(head) - 1)
        return input.isEmpty ? head : head + " " + input
    }

    /// `input` on one line in `room` cells. When it does not fit and `other` (the paired
    /// call's input) starts the same way, the shared start gives way to an ellipsis, so a
    /// changed pair shows where the two inputs differ rather than the start they share.
    package static func preview(_ input: String, against other: String?, room: Int) -> String {
        let line = UIFormat.oneLine(input)
        guard let other, room > 8, DisplayWidth.of(line) > room else { return line }
        let otherLine = UIFormat.oneLine(other)
        guard line != otherLine else { return line }
        let shared = zip(line, otherLine).prefix { $0 == $1 }.count
        // Keep a few characters of context before the first difference.
        let skip = shared - 6
        guard skip > 0 else { return line }
        return "…" + line.dropFirst(skip)
    }

    /// A duration and tokens: `1.2s`, `1.2s 340tok`.
    package static func measures(_ call: ComparableCall?) -> String {
        guard let call else { return "" }
        var text = call.duration.map(UIFormat.duration) ?? "running"
        if let tokens = call.tokens { text += " \(tokens)tok" }
        return text
    }

    /// A signed duration difference: `+0.3s`, `-120ms`, `±0`.
    package static func signedDuration(_ seconds: Double?) -> String {
        guard let seconds else { return "" }
        if abs(seconds) < 0.0005 { return "±0" }
        return (seconds < 0 ? "-" : "+") + UIFormat.duration(abs(seconds))
    }

    /// A signed token difference: `+120tok`, `-8tok`, `±0`.
    package static func signedTokens(_ tokens: Int?) -> String {
        guard let tokens else { return "" }
        return tokens == 0 ? "±0" : (tokens > 0 ? "+" : "") + "\(tokens)tok"
    }

    /// The alignment as text columns `width` cells wide: a heading naming both runs and the
    /// first divergence, then a row per aligned pair (`>` marks the first divergence).
    package func plainText(width: Int = 140) -> String {
        var out: [String] = []
        func describe(_ side: String, _ run: ComparableRun) -> String {
            var line = "\(side): \(run.label)"
            if let origin = run.origin { line += " (\(origin))" }
            line += " · \(run.calls.count) call\(run.calls.count == 1 ? "" : "s")"
            if run.droppedCalls > 0 { line += " (\(run.droppedCalls) older dropped, not compared)" }
            return line
        }
        out.append(describe("left ", left))
        out.append(describe("right", right))
        if let index = firstDivergence {
            out.append("first divergence: row \(index + 1): \(rows[index].name): \(rows[index].reason)")
        } else {
            out.append("no divergence: the runs made the same \(rows.count) call\(rows.count == 1 ? "" : "s") with the same outcomes")
        }
        out.append("")
        let numberWidth = max(3, String(rows.count).count + 1)
        let deltaWidth = 18
        let side = max(20, (width - numberWidth - 4 - deltaWidth) / 2)
        let measureWidth = 14
        func column(_ call: ComparableCall?, _ other: ComparableCall?) -> String {
            let room = side - measureWidth - 1
            let cell = DisplayWidth.truncate(RunAlignment.cell(call, other: other, room: room), to: room)
            let measures = RunAlignment.measures(call)
            return pad(cell, side - measureWidth) + leftPad(measures, measureWidth)
        }
        out.append(
            pad("", 1) + leftPad("#", numberWidth - 1) + "   " + pad("left", side) + "  " + pad("right", side) + "  "
                + "Δ")
        for (index, row) in rows.enumerated() {
            let lead = (index == firstDivergence ? ">" : " ") + leftPad(String(index + 1), numberWidth - 1)
            var deltas: [String] = []
            if let d = row.durationDelta { deltas.append(RunAlignment.signedDuration(d)) }
            if let t = row.tokensDelta { deltas.append(RunAlignment.signedTokens(t)) }
            let line = lead + " " + RunAlignment.mark(row) + " " + column(row.left, row.right) + "  " + column(row.right, row.left) + "  "
                + deltas.joined(separator: " ")
            out.append(line.trimmingTrailingSpaces())
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The alignment as JSON: both runs, the counts, `first_divergence` (`{"row", "reason"}`,
    /// rows counted from 0, or null) and every row with both calls.
    package var json: JSONValue {
        func runJSON(_ run: ComparableRun) -> JSONValue {
            var o: JSONObject = ["run_id": .string(run.id)]
            o["name"] = run.name.map { .string($0) } ?? .null
            o["origin"] = run.origin.map { .string($0) } ?? .null
            o["calls"] = .int(Int64(run.calls.count))
            o["dropped_calls"] = .int(Int64(run.droppedCalls))
            return .object(o)
        }
        var counts = JSONObject()
        for relation in AlignedRow.Relation.allCases { counts[relation.rawValue] = .int(Int64(count(relation))) }
        var o: JSONObject = ["left": runJSON(left)]
        o["right"] = runJSON(right)
        o["first_divergence"] = firstDivergence.map { index in
            .object(["row": .int(Int64(index)), "reason": .string(rows[index].reason)])
        } ?? .null
        o["counts"] = .object(counts)
        o["rows"] = .array(rows.indices.map(rowJSON))
        return .object(o)
    }

    /// Row `index` as JSON: its relation, its differences and both calls (`null` on the side
    /// that has none).
    package func rowJSON(_ index: Int) -> JSONValue {
        func callJSON(_ call: ComparableCall?, index: Int?) -> JSONValue {
            guard let call, let index else { return .null }
            var o: JSONObject = ["index": .int(Int64(index))]
            o["kind"] = .string(call.kind.rawValue)
            o["name"] = .string(call.name)
            o["call_id"] = .string(call.callID)
            o["run_id"] = .string(call.runID)
            o["status"] = .string(call.status.rawValue)
            o["start_offset_s"] = .double(call.startOffset)
            o["duration_s"] = call.duration.map { .double($0) } ?? .null
            o["input_tokens"] = call.inputTokens.map { .int(Int64($0)) } ?? .null
            o["output_tokens"] = call.outputTokens.map { .int(Int64($0)) } ?? .null
            o["input"] = .string(call.input)
            o["output"] = call.output.map { .string($0) } ?? .null
            o["error"] = call.error.map { .string($0) } ?? .null
            return .object(o)
        }
        let row = rows[index]
        var r: JSONObject = ["row": .int(Int64(index))]
        r["relation"] = .string(row.relation.rawValue)
        r["diverges"] = .bool(row.diverges)
        r["status_differs"] = .bool(row.statusDiffers)
        r["output_differs"] = .bool(row.outputDiffers)
        r["duration_delta_s"] = row.durationDelta.map { .double($0) } ?? .null
        r["tokens_delta"] = row.tokensDelta.map { .int(Int64($0)) } ?? .null
        r["left"] = callJSON(row.left, index: row.leftIndex)
        r["right"] = callJSON(row.right, index: row.rightIndex)
        return .object(r)
    }
}

/// `text` padded with spaces to `width` cells (cut when longer).
private func pad(_ text: String, _ width: Int) -> String {
    let shown = DisplayWidth.truncate(text, to: width)
    return shown + String(repeating: " ", count: max(0, width - DisplayWidth.of(shown)))
}

/// `text` right-aligned in `width` cells.
private func leftPad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - DisplayWidth.of(text))) + text
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
