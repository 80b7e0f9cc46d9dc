import CharmMonitorCore
import CharmTelemetry
import CharmWire

/// One `events` row's content, before it is scrubbed and bound.
package struct EncodedEntry: Sendable {
    /// `line`, `malformed`, `raw`, `oversized`, `received`, `log`, `source`, `dropped`,
    /// `exporter_error` or `unfinished` (docs/recording.md).
    package var kind: StaticString
    /// The wire event's `type`, or the hook of a received event.
    package var type: String?
    /// The run it belongs to, when it belongs to one.
    package var runID: String?
    /// The payload: for `line` and `received`, an event line (a JSON object with `type` and
    /// `telemetry`) replayable with `--file`.
    package var data: [UInt8]?
    /// What a line needs besides its JSON to be rebuilt exactly (legacy hook events, framing,
    /// a telemetry problem), as JSON; nil for the common structured NDJSON line.
    package var meta: [UInt8]?
}

/// Turns a `RecordedEntry` into an `events` row and back, exactly: `decode(encode(e))`
/// applied to a model does what `e` did (docs/recording.md, "Replay").
package enum EntryCodec {
    // MARK: Encoding

    /// The row for `entry`.
    package static func encode(_ entry: RecordedEntry) -> EncodedEntry {
        switch entry.change {
        case .record(let record): return encode(record)
        case .received(let event):
            var data: [UInt8]
            if var line = CharmEmitter.line(for: event) {
                // Without the stdout prefix and the newline: a bare NDJSON event line.
                line.removeFirst(CharmProtocol.eventPrefix.utf8.count)
                line.removeLast()
                data = line
            } else {
                data = []
                JSONWriter.writeObject(["type": .string("delta"), "content": .string(""), "telemetry": .object(event.telemetryObject)], into: &data, style: .compact)
            }
            return EncodedEntry(kind: "received", type: event.hook.rawValue, runID: event.runID, data: data)
        case .log(let text): return EncodedEntry(kind: "log", data: Array(text.utf8))
        case .sourceState(let state, let error):
            var o: JSONObject = ["state": .string(state.rawValue)]
            if let error { o["error"] = .string(error) }
            return EncodedEntry(kind: "source", type: state.rawValue, data: json(.object(o)))
        case .dropped(let n): return EncodedEntry(kind: "dropped", data: Array(String(n).utf8))
        case .exporterError(let message): return EncodedEntry(kind: "exporter_error", data: Array(message.utf8))
        case .unfinished: return EncodedEntry(kind: "unfinished")
        }
    }

    private static func encode(_ record: DecodedRecord) -> EncodedEntry {
        switch record {
        case .event(let e):
            var data: [UInt8] = []
            data.reserveCapacity(256)
            let meta = appendLine(e, to: &data)
            return EncodedEntry(
                kind: "line", type: e.type, runID: e.hookEvents.first?.runID, data: data, meta: meta.map { json(.object($0)) })
        case .malformed(let m):
            let o: JSONObject = [
                "framing": .string(m.framing.rawValue), "reason": .string(m.reason), "preview": .string(m.preview),
                "line": .int(Int64(m.line)),
            ]
            return EncodedEntry(kind: "malformed", data: json(.object(o)))
        case .raw(let text): return EncodedEntry(kind: "raw", data: Array(text.utf8))
        case .oversized(let bytes, let line):
            return EncodedEntry(kind: "oversized", data: json(.object(["bytes": .int(Int64(bytes)), "line": .int(Int64(line))])))
        }
    }

    /// Appends event `e` as one compact JSON line (no newline) to `data`; returns what it
    /// needs besides to be rebuilt exactly (`meta`), or nil for a plain structured NDJSON line.
    package static func appendLine(_ e: WireEvent, to data: inout [UInt8]) -> JSONObject? {
        var meta: JSONObject = [:]
        if e.isStructured, e.hookEvents.count == 1, let h = e.hookEvents.first {
            // The object, then its telemetry written straight from the event (no object
            // built for it): the hot path, once per recorded line.
            JSONWriter.writeObject(e.object, into: &data, style: .compact)
            data.removeLast()
            if !e.object.isEmpty { data.append(UInt8(ascii: ",")) }
            data.append(contentsOf: #""telemetry":"#.utf8)
            CharmEmitter.writeTelemetry(h, into: &data)
            data.append(UInt8(ascii: "}"))
        } else {
            JSONWriter.writeObject(e.object, into: &data, style: .compact)
            // Rebuilt by the legacy interpreter from the lines before: kept as they
            // were, since this line alone would not give them again.
            meta["legacy"] = .bool(true)
            if !e.hookEvents.isEmpty { meta["hooks"] = .array(e.hookEvents.map { .object($0.telemetryObject) }) }
            if e.isStructured { meta["structured"] = .bool(true) }
        }
        if let issue = e.telemetryIssue { meta["issue"] = .string(issue) }
        if e.framing != .ndjson { meta["framing"] = .string(e.framing.rawValue) }
        return meta.isEmpty ? nil : meta
    }

    private static func json(_ v: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.write(v, into: &out, style: .compact)
        return out
    }

    // MARK: Decoding

    /// Why a row could not be read back.
    package struct DecodingError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The entries a row stands for, in order: one, or for a `line` row each of its lines
    /// (NDJSON in `data`; `meta` then a JSON array with an element per line, or NULL).
    /// An entry that cannot be read is skipped, never the rest: returns how many were.
    @discardableResult
    package static func decodeRow(
        kind: String, at: Timestamp, source: String, data: String?, meta: String?, _ body: (RecordedEntry) throws -> Void
    ) rethrows -> Int {
        guard kind == "line", let data, data.utf8.contains(0x0A) || meta?.hasPrefix("[") == true else {
            guard let e = try? decode(kind: kind, at: at, source: source, data: data, meta: meta) else { return 1 }
            try body(e)
            return 0
        }
        let metas = meta.map { (try? JSONParser.parse($0))?.arrayValue }
        let lines = data.split(separator: "\n", omittingEmptySubsequences: false)
        // A meta that is not an array: every line of the row is unreadable.
        if let metas, metas == nil { return lines.count }
        var skipped = 0
        for (i, line) in lines.enumerated() {
            let m = metas.flatMap { $0 }.flatMap { i < $0.count ? $0[i] : nil }.flatMap { $0.isNull ? nil : JSONWriter.compact($0) }
            guard let e = try? decode(kind: kind, at: at, source: source, data: String(line), meta: m) else { skipped += 1; continue }
            try body(e)
        }
        return skipped
    }

    /// The entry a single-entry row stands for.
    package static func decode(
        kind: String, at: Timestamp, source: String, data: String?, meta: String?
    ) throws(DecodingError) -> RecordedEntry {
        let src = SourceID(source)
        func entry(_ c: RecordedChange) -> RecordedEntry { RecordedEntry(at: at, source: src, change: c) }
        func object(_ text: String?) throws(DecodingError) -> JSONObject {
            guard let text, let o = (try? JSONParser.parse(text))?.objectValue else {
                throw DecodingError(description: "\(kind) event: data is not a JSON object")
            }
            return o
        }
        switch kind {
        case "line":
            var o = try object(data)
            let m = try meta.map { t throws(DecodingError) in try object(t) } ?? [:]
            let framing = framing(m["framing"]?.stringValue)
            guard let type = o["type"]?.stringValue else { throw DecodingError(description: "line event without a type") }
            let issue = m["issue"]?.stringValue
            if m["legacy"] == nil {
                guard let t = o["telemetry"]?.objectValue, let h = try? TelemetryEvent(telemetry: t) else {
                    throw DecodingError(description: "structured line event without a readable telemetry object")
                }
                o["telemetry"] = nil
                return entry(.record(.event(WireEvent(
                    type: type, object: o, framing: framing, hookEvents: HookEvents(h), telemetryIssue: issue, isStructured: true))))
            }
            var hooks: [TelemetryEvent] = []
            for h in m["hooks"]?.arrayValue ?? [] {
                guard let t = h.objectValue, let e = try? TelemetryEvent(telemetry: t) else {
                    throw DecodingError(description: "line event with an unreadable hook event")
                }
                hooks.append(e)
            }
            return entry(.record(.event(WireEvent(
                type: type, object: o, framing: framing, hookEvents: HookEvents(hooks), telemetryIssue: issue,
                isStructured: m["structured"] != nil))))
        case "malformed":
            let o = try object(data)
            return entry(.record(.malformed(MalformedLine(
                framing: framing(o["framing"]?.stringValue), reason: o["reason"]?.stringValue ?? "",
                preview: o["preview"]?.stringValue ?? "", line: Int(o["line"]?.intValue ?? 0)))))
        case "raw": return entry(.record(.raw(data ?? "")))
        case "oversized":
            let o = try object(data)
            return entry(.record(.oversized(bytes: Int(o["bytes"]?.intValue ?? 0), line: Int(o["line"]?.intValue ?? 0))))
        case "received":
            let o = try object(data)
            guard let t = o["telemetry"]?.objectValue, let e = try? TelemetryEvent(telemetry: t) else {
                throw DecodingError(description: "received event without a readable telemetry object")
            }
            return entry(.received(e))
        case "log": return entry(.log(data ?? ""))
        case "source":
            let o = try object(data)
            guard let state = o["state"]?.stringValue.flatMap(SourceState.init(rawValue:)) else {
                throw DecodingError(description: "source event without a known state")
            }
            return entry(.sourceState(state, error: o["error"]?.stringValue))
        case "dropped": return entry(.dropped(Int(data ?? "") ?? 0))
        case "exporter_error": return entry(.exporterError(data ?? ""))
        case "unfinished": return entry(.unfinished)
        default: throw DecodingError(description: "unknown event kind '\(kind)'")
        }
    }

    private static func framing(_ name: String?) -> Framing {
        switch name {
        case "prefixed": .prefixed
        case "sse": .sse
        default: .ndjson
        }
    }
}
