import CharmTelemetry

/// One event line as the decoder's fast path reads it: the line's members, and its
/// `telemetry` object read straight into a `TelemetryEvent`.
struct EventLine {
    /// The line's members in order; a `telemetry` member read into `telemetry` is left out.
    var object: JSONObject
    /// The `telemetry` object, when it was present and a valid version-1 event.
    var telemetry: TelemetryEvent?
}

extension JSONParser {
    /// Parses a line that should be one event object, reading a valid `telemetry` member
    /// straight into a `TelemetryEvent`: no `JSONObject`, no timestamp string, no hook-name
    /// string is made for it, which halves the allocations of a structured line.
    ///
    /// Returns `nil` when the value is not an object (the caller reparses for the message).
    /// A `telemetry` member that is not a valid event is kept in `object` as ordinary JSON,
    /// so the caller reports why exactly as for any other line. JSON syntax errors throw, as
    /// `parse` would, so every line is accepted or rejected exactly as before.
    static func parseEventLine(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> EventLine? {
        var p = JSONParser(bytes)
        p.skipWhitespace()
        guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: "{") else { return nil }
        var repeated = false
        let line = try p.parseEventObject(repeatedTelemetry: &repeated)
        p.skipWhitespace()
        if p.i != bytes.count { throw JSONParseError(reason: "extra data after the value", offset: p.i) }
        if repeated, case .object(let object) = try parse(bytes) {
            // A repeated `telemetry` member: json.loads keeps the last value in the first one's
            // place. Rare, so the general parser reads the line again (and the caller's general
            // reader its `telemetry`), which keeps that order.
            return EventLine(object: object, telemetry: nil)
        }
        return line
    }

    private mutating func parseEventObject(repeatedTelemetry repeated: inout Bool) throws(JSONParseError) -> EventLine {
        try enter()
        defer { depth -= 1 }
        i += 1
        var line = EventLine(object: JSONObject(), telemetry: nil)
        var telemetrySeen = false
        skipWhitespace()
        if i < buf.count && buf[i] == UInt8(ascii: "}") { i += 1; return line }
        line.object.reserveCapacity(4)
        while true {
            skipWhitespace()
            guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            // The protocol's own keys become string literals: no UTF-8 check, no copy.
            let key: String
            if let span = plainSpan() {
                if span.equals("type") {
                    key = "type"
                } else if span.equals("content") {
                    key = "content"
                } else if span.equals("telemetry") {
                    key = "telemetry"
                } else {
                    key = JSONParser.string(span)
                }
            } else {
                key = try parseString()
            }
            skipWhitespace()
            guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipWhitespace()
            if key == "telemetry" {
                if telemetrySeen { repeated = true }
                telemetrySeen = true
                // A later member wins, as in Python's json.loads: forget an earlier one.
                line.telemetry = nil
                line.object["telemetry"] = nil
                let start = i
                if i < buf.count, buf[i] == UInt8(ascii: "{"), let event = try parseTelemetry() {
                    line.telemetry = event
                } else {
                    i = start
                    line.object.appendUnchecked(key, try parseValue())
                }
            } else {
                let value = try parseValue()
                if line.object.containsKey(key) { line.object[key] = value } else { line.object.appendUnchecked(key, value) }
            }
            if try !anotherMember() { break }
        }
        return line
    }

    /// Reads a `telemetry` object into an event; `nil` when it is valid JSON but not a valid
    /// event (the caller then rereads it as JSON).
    private mutating func parseTelemetry() throws(JSONParseError) -> TelemetryEvent? {
        try enter()
        defer { depth -= 1 }
        i += 1
        var f = TelemetryFields()
        var usable = true
        // Fields set twice (a repeated key, or two keys for one field such as `tool_input`
        // and `output`) go to the general reader, which sees the members as json.loads does.
        var seen: UInt16 = 0
        skipWhitespace()
        if i < buf.count && buf[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipWhitespace()
                guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key: TelemetryFields.Key
                if let span = plainSpan() { key = TelemetryFields.key(utf8: span) } else { key = TelemetryFields.key(try parseString()) }
                if seen & key.bit != 0 { usable = false }
                seen |= key.bit
                skipWhitespace()
                guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipWhitespace()
                switch key {
                case .hook:
                    let hook = try plainString { TelemetryHook(utf8: $0) }
                    if let hook, let h = hook { f.hook = h; f.hookName = h.rawValue } else { usable = false }
                case .ts:
                    let us = try plainString { Timestamp.parse($0) }
                    if let us, let v = us { f.timestamp = Timestamp(microseconds: v); f.tsText = nil } else { usable = false }
                default:
                    f.set(key, try parseValue())
                }
                if try !anotherMember() { break }
            }
        }
        guard usable else { return nil }
        do { return try TelemetryEvent(fields: f) } catch { return nil }
    }

    /// The bytes of the string at `i` (which is a quote) when it has no escapes or control
    /// characters, moving past it; otherwise `nil`, with `i` unchanged.
    private mutating func plainSpan() -> UnsafeBufferPointer<UInt8>? {
        let start = i + 1
        var j = start
        while j < buf.count {
            let b = buf[j]
            if b == UInt8(ascii: "\"") {
                i = j + 1
                return UnsafeBufferPointer(rebasing: buf[start..<j])
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
            j += 1
        }
        return nil
    }

    /// Gives `body` the bytes of the string at `i` when it has no escapes, and moves past
    /// it; otherwise (or when the value is not a string) parses the value and returns `nil`,
    /// leaving the caller to fall back to the general path.
    private mutating func plainString<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) throws(JSONParseError) -> R? {
        guard i < buf.count, buf[i] == UInt8(ascii: "\"") else {
            _ = try parseValue()
            return nil
        }
        if let span = plainSpan() { return body(span) }
        _ = try parseString()
        return nil
    }
}

extension TelemetryFields.Key {
    /// A bit of its own for each field (none for `other`), to notice one set twice.
    fileprivate var bit: UInt16 {
        switch self {
        case .hook: 1
        case .seq: 2
        case .ts: 4
        case .runID: 8
        case .parentRunID: 16
        case .callID: 32
        case .name: 64
        case .body: 128
        case .status: 256
        case .runName: 512
        case .other: 0
        }
    }
}

extension TelemetryHook {
    /// The hook whose name is `bytes`, without making a string of them.
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 5 where bytes.equals("error"): self = .error
        case 7 where bytes.equals("run_end"): self = .runEnd
        case 8 where bytes.equals("tool_end"): self = .toolEnd
        case 8 where bytes.equals("llm_call"): self = .llmCall
        case 9 where bytes.equals("run_start"): self = .runStart
        case 10 where bytes.equals("tool_start"): self = .toolStart
        case 10 where bytes.equals("tool_error"): self = .toolError
        case 12 where bytes.equals("agent_action"): self = .agentAction
        case 13 where bytes.equals("llm_new_token"): self = .llmNewToken
        default: return nil
        }
    }
}
