/// Writes Charm's stdout protocol: `__CHARM_EVENT__` + JSON + `\n`, one line per event.
///
/// The JSON is what charmos writes (`json.dumps({"type": t, **payload}, ensure_ascii=False)`):
/// `type` first, Python's separators, UTF-8 text; our structured `telemetry` object, when
/// given, comes last so a line's prefix up to it is byte-identical to charmos' line.
public struct CharmEmitter: Sendable {
    /// Where lines go.
    package let output: CharmOutput

    /// An emitter on the process's real standard output.
    public init() { self.init(output: .standard) }

    /// An emitter on `output`.
    package init(output: CharmOutput) { self.output = output }

    /// The bytes of one event line.
    package static func line(type: String, payload: JSONObject, telemetry: JSONObject? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: CharmProtocol.eventPrefix.utf8)
        var o = JSONObject()
        o.appendUnchecked("type", .string(type))
        for m in payload where m.key != "type" { o.appendUnchecked(m.key, m.value) }
        if let telemetry { o["telemetry"] = .object(telemetry) }
        JSONWriter.writeObject(o, into: &out)
        out.append(0x0A)
        return out
    }

    /// Writes an event of any type with the given payload members.
    package func write(type: String, payload: JSONObject, telemetry: JSONObject? = nil) {
        output.write(CharmEmitter.line(type: type, payload: payload, telemetry: telemetry))
    }

    /// `emit_status(message)`.
    public func status(_ message: String) { write(type: "status", payload: ["content": .string(message)]) }
    /// `emit_thinking(content)`.
    public func thinking(_ content: String) { write(type: "thinking", payload: ["content": .string(content)]) }
    /// `emit_delta(content)`.
    public func delta(_ content: String) { write(type: "delta", payload: ["content": .string(content)]) }
    /// `emit_error(message)`.
    public func error(_ message: String) { write(type: "error", payload: ["content": .string(message)]) }

    /// `emit_final(content, format)`; `format` nil means Charm's "auto": `rich_component` for
    /// an object with `_charm_render_type`, `json` for other objects and arrays, else `markdown`.
    public func final(_ content: JSONValue, format: String? = nil) {
        let f: String
        if let format {
            f = format
        } else {
            switch content {
            case .object(let o) where o["_charm_render_type"] != nil: f = "rich_component"
            case .object, .array: f = "json"
            default: f = "markdown"
            }
        }
        write(type: "final", payload: ["content": content, "format": .string(f)])
    }

    /// `emit_artifact(name, url, mime)`.
    public func artifact(name: String, url: String, mime: String) {
        write(
            type: "artifact",
            payload: ["content": .object(["name": .string(name), "url": .string(url), "mime": .string(mime)])])
    }

    /// `emit_tool_usage(tool, count)`.
    public func toolUsage(_ tool: String, count: Int = 1) {
        write(type: "tool_usage", payload: ["tool": .string(tool), "count": .int(Int64(count))])
    }
}

/// The default exporter: streams every event on stdout in Charm's protocol, exactly as
/// charmos' `CharmEmitterExporter` does, plus run start/end/error and the `telemetry` object.
///
/// Each line is written straight from the event (`CharmEmitter.line(for:telemetry:)`).
/// When stdout's reader goes away its lines are dropped, never retried: they appear in
/// `status.dropped` and so in the manager's statistics, and the agent runs on.
package final class CharmEmitterExporter: TelemetryExporter, ExporterStatusReporting {
    /// Its name in statistics and in the monitor.
    package static let name = "charm-emitter"

    /// Where it writes.
    package let emitter: CharmEmitter
    /// Whether lines carry our `telemetry` member; without it they are exactly charmos' lines.
    package let includesTelemetry: Bool

    /// An emitter exporter on `output` (the real stdout by default); `includesTelemetry`
    /// false writes plain charmos lines.
    package init(output: CharmOutput = .standard, includesTelemetry: Bool = true) {
        self.emitter = CharmEmitter(output: output)
        self.includesTelemetry = includesTelemetry
    }

    /// Lines the output could not write (its reader went away), as dropped.
    package var status: ExporterStatus {
        let lost = emitter.output.failedWrites
        return ExporterStatus(
            health: lost > 0 ? .failing : .ok, dropped: lost,
            lastError: lost > 0 ? "stdout is closed or failing: \(lost) line(s) dropped" : nil)
    }

    /// Writes the event's line (none for an empty token, as charmos).
    package func handle(_ event: TelemetryEvent) {
        guard let line = CharmEmitter.line(for: event, telemetry: includesTelemetry) else { return }
        emitter.output.write(line)
    }
}
