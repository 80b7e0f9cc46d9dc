import CharmTelemetry

/// The decoder's third part: one event line's JSON to its record, on any thread.
///
/// Everything here depends on the line's bytes alone, so a parallel feed runs it on two
/// threads (`StreamDecoder+Parallel.swift`); what depends on the lines before (the legacy
/// interpreter's state) is left to `StreamDecoder.complete`, in stream order.
enum EventLineParser {
    /// A JSON line after its order-free part.
    enum Parsed {
        /// The finished record; `structured` tells the legacy interpreter a structured line came.
        case record(DecodedRecord, structured: Bool)
        /// A valid event without a readable `telemetry` object: the legacy interpreter still
        /// has to say which hook events it stands for.
        case legacy(WireEvent)
    }

    /// Parses one JSON line: a malformed line's record, a structured line's whole record, or
    /// a plain event for the legacy interpreter.
    ///
    /// A structured line takes the fast path (`JSONParser.parseEventLine` reads `telemetry`
    /// straight into a `TelemetryEvent`); a `telemetry` member the fast path declined is read
    /// again by the general reader, which says why it is not an event.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, framing: Framing, line number: Int) -> Parsed {
        func malformed(_ reason: String) -> Parsed {
            let text = String(decoding: bytes.prefix(MalformedLine.previewLength * 4), as: UTF8.self)
            let preview = String(text.prefix(MalformedLine.previewLength))
            return .record(.malformed(MalformedLine(framing: framing, reason: reason, preview: preview, line: number)), structured: false)
        }
        var line: EventLine
        do {
            guard let l = try JSONParser.parseEventLine(bytes) else { return malformed("not a JSON object") }
            line = l
        } catch {
            return malformed("not JSON: \(error)")
        }
        guard let type = line.object["type"]?.stringValue else { return malformed("no string \"type\"") }
        if let structured = line.telemetry.take() {
            // The common case, built in one go: the line's parts move into the record.
            let event = WireEvent(
                type: type, object: line.object, framing: framing, hookEvents: HookEvents(structured), isStructured: true)
            return .record(.event(event), structured: true)
        }
        var event = WireEvent(type: type, object: line.object, framing: framing)
        guard let t = line.object["telemetry"] else { return .legacy(event) }
        // Present but not a valid event: the general reader says why.
        guard let to = t.objectValue else {
            event.telemetryIssue = "telemetry is not an object"
            return .legacy(event)
        }
        do {
            event.hookEvents = HookEvents(try TelemetryEvent(telemetry: to))
            event.object["telemetry"] = nil
            event.isStructured = true
            return .record(.event(event), structured: true)
        } catch {
            event.telemetryIssue = error.description
            return .legacy(event)
        }
    }
}
