import CharmTelemetry
import CharmWire

@testable import CharmMonitorCore

/// Writes the wire lines of a scripted agent session (NDJSON with a `telemetry` member),
/// so UI tests build their models through the real decoder.
struct WireScript {
    var seq = 0
    /// Microseconds since the epoch of the next event.
    var micros: Int64 = 1_700_000_000_000_000
    var lines: [String] = []

    private mutating func emit(_ type: String, _ hook: String, run: String, extra: [(String, JSONValue)], advanceMs: Int64 = 100, content: String? = nil) {
        seq += 1
        micros += advanceMs * 1_000
        var telemetry: JSONObject = [
            "v": .int(1), "hook": .string(hook), "seq": .int(Int64(seq)),
            "ts": .string(Timestamp(microseconds: micros).rfc3339), "run_id": .string(run),
        ]
        for (k, v) in extra { telemetry[k] = v }
        var object: JSONObject = ["type": .string(type)]
        if let content { object["content"] = .string(content) }
        object["telemetry"] = .object(telemetry)
        lines.append(JSONWriter.compact(.object(object)))
    }

    mutating func runStart(_ run: String, parent: String? = nil) {
        emit("status", "run_start", run: run, extra: [("parent_run_id", parent.map { .string($0) } ?? .null), ("inputs", .object([:]))], content: "run \(run) started")
    }
    mutating func runEnd(_ run: String, status: String = "ok") {
        emit("final", "run_end", run: run, extra: [("outputs", .object([:])), ("status", .string(status))])
    }
    mutating func toolStart(_ run: String, call: String, tool: String, input: String, advanceMs: Int64 = 100) {
        emit("tool_usage", "tool_start", run: run, extra: [("call_id", .string(call)), ("tool_name", .string(tool)), ("input", .string(input))], advanceMs: advanceMs)
    }
    mutating func toolEnd(_ run: String, call: String, tool: String, output: String, advanceMs: Int64 = 300) {
        emit("tool_usage", "tool_end", run: run, extra: [("call_id", .string(call)), ("tool_name", .string(tool)), ("output", .string(output))], advanceMs: advanceMs)
    }
    mutating func toolError(_ run: String, call: String, tool: String, type: String, message: String) {
        emit("error", "tool_error", run: run, extra: [("call_id", .string(call)), ("tool_name", .string(tool)), ("error", .object(["type": .string(type), "message": .string(message)]))])
    }
    mutating func token(_ run: String, _ token: String) {
        emit("delta", "llm_new_token", run: run, extra: [("token", .string(token))], advanceMs: 20, content: token)
    }
    mutating func raw(_ text: String) { lines.append(text) }

    /// The model after decoding every line, received at each event's own time.
    func model(source: SourceID = "demo") -> MonitorModel {
        var model = MonitorModel()
        let records = StreamDecoder.decodeAll(lines.joined(separator: "\n") + "\n", sourceName: source.name)
        var at = Timestamp(microseconds: 1_700_000_000_000_000)
        for record in records {
            if case .event(let e) = record, let ts = e.hookEvents.first?.timestamp { at = ts }
            model.apply(record, source: source, at: at)
        }
        return model
    }

    /// The time just after the last event.
    var end: Timestamp { Timestamp(microseconds: micros + 500_000) }
}

/// A session with a parent and a child run, tool calls that succeed and fail, CJK, emoji,
/// combining marks, a very long line, raw prints and a malformed line.
func sampleScript() -> WireScript {
    var s = WireScript()
    s.runStart("run-main")
    s.toolStart("run-main", call: "c1", tool: "web_search", input: #"{"query": "東京の天気 明日", "top_k": 5}"#)
    s.toolEnd("run-main", call: "c1", tool: "web_search", output: #"[{"title": "明日の東京は晴れ ☀️", "url": "https://example.org"}]"#)
    s.runStart("run-child", parent: "run-main")
    s.toolStart("run-child", call: "c2", tool: "calculator", input: "1 / 0")
    s.toolError("run-child", call: "c2", tool: "calculator", type: "ZeroDivisionError", message: "division by zero")
    s.runEnd("run-child", status: "error")
    s.toolStart("run-main", call: "c3", tool: "read_file", input: #"{"path": "data/résumé.txt", "note": "Zoë 👩‍💻 e\#u{301}"}"#)
    s.toolEnd("run-main", call: "c3", tool: "read_file", output: String(repeating: "lorem ipsum dolor sit amet ", count: 200))
    for t in ["Hello", " 世界", " 🌍", " café", " naïve", " e\u{301}t\u{301}e\u{301}", " " + String(repeating: "x", count: 500)] {
        s.token("run-main", t)
    }
    s.raw("a raw print from the agent 漢字")
    s.raw("__CHARM_EVENT__{not json")
    s.runStart("run-other")
    s.toolStart("run-other", call: "c4", tool: "sql_query", input: "SELECT * FROM users WHERE name = 'Zoë'")
    return s
}

/// Renders `state` over `model` at `width`×`height` with the built-in theme.
func render(
    _ model: MonitorModel, _ state: UIState = UIState(), width: Int = 80, height: Int = 24, now: Timestamp,
    exporters: [ExporterRow] = []
) -> Grid {
    UIRender.render(model: model, ui: state, exporters: exporters, theme: .builtinDefault, size: (width, height), now: now)
}

/// Feeds keys through `update`, returning the final state and every effect.
func press(
    _ keys: [Key], _ state: UIState, model: MonitorModel, width: Int = 80, height: Int = 24, now: Timestamp,
    exporters: [ExporterRow] = []
) -> (UIState, [UIEffect]) {
    var state = state
    var effects: [UIEffect] = []
    for key in keys {
        let context = UIContext(model: model, exporters: exporters, width: width, height: height, now: now)
        let (next, produced) = UIUpdate.update(state, .input(.key(key)), context: context)
        state = next
        effects += produced
    }
    return (state, effects)
}

/// The keys that type `text`.
func typing(_ text: String) -> [Key] { text.map { .char($0) } }

extension Grid {
    /// The display width of each row (continuation cells count), which must equal the
    /// grid's width: nothing spilled or went missing.
    func rowWidths() -> [Int] {
        (0..<height).map { row in
            var width = 0
            for x in 0..<self.width {
                let cell = self[x: x, y: row]
                width += cell.isContinuation ? 0 : DisplayWidth.of(cell.grapheme)
            }
            return width
        }
    }
}
