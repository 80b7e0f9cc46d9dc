#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `telemetry` object: our structured extension to Charm's stdout protocol (version 1).
extension TelemetryEvent {
    /// The protocol version written in `v`.
    package static let protocolVersion: Int64 = 1

    /// The `telemetry` object as the emitter writes it, members in the documented order.
    package var telemetryObject: JSONObject {
        var o = JSONObject()
        o.appendUnchecked("v", .int(TelemetryEvent.protocolVersion))
        o.appendUnchecked("hook", .string(hook.rawValue))
        o.appendUnchecked("seq", .int(Int64(truncatingIfNeeded: seq)))
        o.appendUnchecked("ts", .string(timestamp.rfc3339))
        o.appendUnchecked("run_id", .string(runID))
        switch payload {
        case .runStart(let inputs):
            o.appendUnchecked("parent_run_id", parentRunID.map(JSONValue.string) ?? .null)
            if let runName { o.appendUnchecked("name", .string(runName)) }
            o.appendUnchecked("inputs", .object(inputs))
        case .runEnd(let outputs, let status):
            o.appendUnchecked("outputs", .object(outputs))
            if let status { o.appendUnchecked("status", .string(status.rawValue)) }
        case .error(let e):
            o.appendUnchecked("error", e.json)
        case .toolStart(let name, let input):
            o.appendUnchecked("call_id", callID.map(JSONValue.string) ?? .null)
            o.appendUnchecked("tool_name", .string(name))
            o.appendUnchecked("input", .string(input))
        case .toolEnd(let name, let output):
            o.appendUnchecked("call_id", callID.map(JSONValue.string) ?? .null)
            o.appendUnchecked("tool_name", .string(name))
            o.appendUnchecked("output", .string(output))
        case .toolError(let name, let e):
            o.appendUnchecked("call_id", callID.map(JSONValue.string) ?? .null)
            o.appendUnchecked("tool_name", .string(name))
            o.appendUnchecked("error", e.json)
        case .llmNewToken(let token):
            o.appendUnchecked("token", .string(token))
        case .agentAction(let tool, let input):
            o.appendUnchecked("tool", .string(tool))
            o.appendUnchecked("tool_input", .string(input))
        case .llmCall(let call):
            o.appendUnchecked("call_id", callID.map(JSONValue.string) ?? .null)
            o.appendUnchecked("llm", call.json)
        }
        return o
    }

    /// Why a `telemetry` object could not be read.
    package struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong with it.
        package var reason: String
        package var description: String { reason }
    }

    /// Reads a `telemetry` object. Unknown members are ignored so later versions stay readable.
    package init(telemetry o: JSONObject) throws(DecodingError) {
        // One pass over the members, each key recognised by its length and first byte (all
        // distinct for version 1) and then confirmed: the decoder's hot path, where repeated
        // lookups by string cost more than the JSON parse itself.
        var f = TelemetryFields()
        for m in o { f.set(m.key, m.value) }
        try self.init(fields: f)
    }

    /// Builds an event from the members of a `telemetry` object, checking each. The fields
    /// are consumed: their strings move into the event rather than being copied (this runs
    /// once per decoded line).
    package init(fields: consuming TelemetryFields) throws(DecodingError) {
        var f = fields
        guard let hookName = f.hookName else { throw DecodingError(reason: "telemetry.hook is missing") }
        guard let hook = f.hook ?? TelemetryHook(rawValue: hookName) else {
            throw DecodingError(reason: "telemetry.hook '\(hookName)' is not one of Charm's eight hooks or llm_call")
        }
        guard let seq = f.seq?.intValue, seq >= 0 else {
            throw DecodingError(reason: "telemetry.seq is not a whole number")
        }
        guard let ts = f.timestamp ?? f.tsText.flatMap(Timestamp.init(rfc3339:)) else {
            throw DecodingError(reason: "telemetry.ts is not an RFC 3339 time")
        }
        guard let runID = f.runID.take() else { throw DecodingError(reason: "telemetry.run_id is missing") }
        let payload: Payload
        switch hook {
        case .runStart: payload = .runStart(inputs: f.bodyObject())
        case .runEnd: payload = .runEnd(outputs: f.bodyObject(), status: f.status.flatMap(RunStatus.init))
        case .error: payload = .error(f.bodyError())
        case .toolStart: payload = .toolStart(toolName: try f.takeName("tool_name"), input: f.bodyText())
        case .toolEnd: payload = .toolEnd(toolName: try f.takeName("tool_name"), output: f.bodyText())
        case .toolError: payload = .toolError(toolName: try f.takeName("tool_name"), error: f.bodyError())
        case .llmNewToken: payload = .llmNewToken(token: try f.takeName("token"))
        case .agentAction: payload = .agentAction(tool: try f.takeName("tool"), toolInput: f.bodyText())
        case .llmCall: payload = .llmCall(LLMCall(json: f.body, end: ts))
        }
        self.init(
            seq: UInt64(seq), timestamp: ts, runID: runID, parentRunID: f.parentRunID.take(), callID: f.callID.take(),
            runName: hook == .runStart ? f.runName.take() : nil, payload: payload)
    }
}

/// The members of a `telemetry` object that version 1 reads, gathered before they are checked.
///
/// Filled either from a parsed `JSONObject` or, on the decoder's fast path, straight from the
/// line's bytes (`JSONParser.parseEventLine`), which then sets `hook` and `timestamp` without
/// making strings of them.
package struct TelemetryFields {
    package var hookName: String?
    package var hook: TelemetryHook?
    package var seq: JSONValue?
    package var tsText: String?
    package var timestamp: Timestamp?
    package var runID: String?
    package var parentRunID: String?
    package var callID: String?
    package var name: JSONValue?
    package var body: JSONValue?
    package var status: String?
    package var runName: String?

    /// No member read yet.
    package init() {}

    /// The tool, tool name or token (as `key` names it), moved out; text for a non-string.
    package mutating func takeName(_ key: String) throws(TelemetryEvent.DecodingError) -> String {
        guard let v = name.take(), !v.isNull else {
            throw TelemetryEvent.DecodingError(reason: "telemetry.\(key) is missing")
        }
        return v.displayText
    }

    /// The input, output or tool input as text: strings as they are, other JSON compact.
    package func bodyText() -> String { body?.displayText ?? "" }

    /// The inputs or outputs; Charm wraps a non-dict value as {"input": value}, and so do we.
    package func bodyObject() -> JSONObject {
        guard let v = body, !v.isNull else { return JSONObject() }
        return v.objectValue ?? ["input": v]
    }

    /// The error: `{type, message}` or any value as its message.
    package func bodyError() -> TelemetryError {
        if let eo = body?.objectValue {
            return TelemetryError(type: eo["type"]?.stringValue ?? "Error", message: eo["message"]?.displayText ?? "")
        }
        return TelemetryError(message: body?.displayText ?? "")
    }

    /// The field `k` names, if any, and whether it is one whose value is needed.
    package enum Key {
        case hook, seq, ts, runID, parentRunID, callID, name, body, status, runName, other
    }

    /// The field the key `k` names.
    package static func key(_ k: String) -> Key {
        var k = k
        return k.withUTF8 { key(utf8: $0) }
    }

    /// The field the UTF-8 key `k` names, read without making a string of it: recognised by
    /// its length and first byte (all distinct for version 1), then confirmed.
    package static func key(utf8 k: UnsafeBufferPointer<UInt8>) -> Key {
        guard let first = k.first else { return .other }
        switch (k.count, first) {
        case (4, UInt8(ascii: "h")) where k.equals("hook"): return .hook
        case (3, UInt8(ascii: "s")) where k.equals("seq"): return .seq
        case (2, UInt8(ascii: "t")) where k.equals("ts"): return .ts
        case (6, UInt8(ascii: "r")) where k.equals("run_id"): return .runID
        case (13, UInt8(ascii: "p")) where k.equals("parent_run_id"): return .parentRunID
        case (7, UInt8(ascii: "c")) where k.equals("call_id"): return .callID
        case (9, UInt8(ascii: "t")) where k.equals("tool_name"), (4, UInt8(ascii: "t")) where k.equals("tool"),
            (5, UInt8(ascii: "t")) where k.equals("token"):
            return .name
        case (5, UInt8(ascii: "i")) where k.equals("input"), (6, UInt8(ascii: "o")) where k.equals("output"),
            (6, UInt8(ascii: "i")) where k.equals("inputs"), (7, UInt8(ascii: "o")) where k.equals("outputs"),
            (5, UInt8(ascii: "e")) where k.equals("error"), (10, UInt8(ascii: "t")) where k.equals("tool_input"),
            (3, UInt8(ascii: "l")) where k.equals("llm"):
            return .body
        case (4, UInt8(ascii: "n")) where k.equals("name"): return .runName
        case (6, UInt8(ascii: "s")) where k.equals("status"): return .status
        default: return .other
        }
    }

    /// Records member `k` with value `v`; a later member replaces an earlier one.
    package mutating func set(_ k: String, _ v: JSONValue) { set(TelemetryFields.key(k), v) }

    /// Records the member that `k` names with value `v`.
    package mutating func set(_ k: Key, _ v: JSONValue) {
        switch k {
        case .hook: hookName = v.stringValue; hook = nil
        case .seq: seq = v
        case .ts: tsText = v.stringValue; timestamp = nil
        case .runID: runID = v.stringValue
        case .parentRunID: parentRunID = v.stringValue
        case .callID: callID = v.stringValue
        case .name: name = v
        case .body: body = v
        case .status: status = v.stringValue
        case .runName: runName = v.stringValue
        case .other: break
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes are exactly `s`'s UTF-8.
    @inlinable @inline(__always)
    package func equals(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard count == n, let base = baseAddress else { return n == 0 && count == 0 }
        return memcmp(base, s.utf8Start, n) == 0
    }
}
