/// The `telemetry` object: our structured extension to Charm's stdout protocol (version 1).
extension TelemetryEvent {
    /// The protocol version written in `v`.
    public static let protocolVersion: Int64 = 1

    /// The `telemetry` object as the emitter writes it, members in the documented order.
    public var telemetryObject: JSONObject {
        var o = JSONObject()
        o.appendUnchecked("v", .int(TelemetryEvent.protocolVersion))
        o.appendUnchecked("hook", .string(hook.rawValue))
        o.appendUnchecked("seq", .int(Int64(truncatingIfNeeded: seq)))
        o.appendUnchecked("ts", .string(timestamp.rfc3339))
        o.appendUnchecked("run_id", .string(runID))
        switch payload {
        case .runStart(let inputs):
            o.appendUnchecked("parent_run_id", parentRunID.map(JSONValue.string) ?? .null)
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
        }
        return o
    }

    /// Why a `telemetry` object could not be read.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong with it.
        public var reason: String
        public var description: String { reason }
    }

    /// Reads a `telemetry` object. Unknown members are ignored so later versions stay readable.
    public init(telemetry o: JSONObject) throws(DecodingError) {
        func fail(_ r: String) -> DecodingError { DecodingError(reason: r) }
        // One pass over the members, each key recognised by its length and first byte (all
        // distinct for version 1) and then confirmed: the decoder's hot path, where repeated
        // lookups by string cost more than the JSON parse itself.
        var hookName: String?, seqValue: JSONValue?, tsText: String?, runID: String?
        var parentRunID: String?, callID: String?, name: JSONValue?, body: JSONValue?, status: String?
        for m in o {
            let k = m.key, v = m.value
            var u = k.utf8.makeIterator()
            switch (k.utf8.count, u.next() ?? 0) {
            case (4, UInt8(ascii: "h")) where k == "hook": hookName = v.stringValue
            case (3, UInt8(ascii: "s")) where k == "seq": seqValue = v
            case (2, UInt8(ascii: "t")) where k == "ts": tsText = v.stringValue
            case (6, UInt8(ascii: "r")) where k == "run_id": runID = v.stringValue
            case (13, UInt8(ascii: "p")) where k == "parent_run_id": parentRunID = v.stringValue
            case (7, UInt8(ascii: "c")) where k == "call_id": callID = v.stringValue
            case (9, UInt8(ascii: "t")) where k == "tool_name", (4, UInt8(ascii: "t")) where k == "tool",
                (5, UInt8(ascii: "t")) where k == "token":
                name = v
            case (5, UInt8(ascii: "i")) where k == "input", (6, UInt8(ascii: "o")) where k == "output",
                (6, UInt8(ascii: "i")) where k == "inputs", (7, UInt8(ascii: "o")) where k == "outputs",
                (5, UInt8(ascii: "e")) where k == "error", (10, UInt8(ascii: "t")) where k == "tool_input":
                body = v
            case (6, UInt8(ascii: "s")) where k == "status": status = v.stringValue
            default: break
            }
        }
        guard let hookName else { throw fail("telemetry.hook is missing") }
        guard let hook = TelemetryHook(rawValue: hookName) else {
            throw fail("telemetry.hook '\(hookName)' is not one of Charm's eight hooks")
        }
        guard let seq = seqValue?.intValue, seq >= 0 else { throw fail("telemetry.seq is not a whole number") }
        guard let tsText, let ts = Timestamp(rfc3339: tsText) else {
            throw fail("telemetry.ts is not an RFC 3339 time")
        }
        guard let runID else { throw fail("telemetry.run_id is missing") }
        func required(_ key: String) throws(DecodingError) -> String {
            guard let v = name, !v.isNull else { throw fail("telemetry.\(key) is missing") }
            return v.displayText
        }
        func error() -> TelemetryError {
            if let eo = body?.objectValue {
                return TelemetryError(
                    type: eo["type"]?.stringValue ?? "Error", message: eo["message"]?.displayText ?? "")
            }
            return TelemetryError(message: body?.displayText ?? "")
        }
        func object() -> JSONObject {
            guard let v = body, !v.isNull else { return JSONObject() }
            // Charm wraps a non-dict input as {"input": value}; do the same for any value.
            return v.objectValue ?? ["input": v]
        }
        let text = body?.displayText ?? ""
        let payload: Payload
        switch hook {
        case .runStart: payload = .runStart(inputs: object())
        case .runEnd: payload = .runEnd(outputs: object(), status: status.flatMap(RunStatus.init))
        case .error: payload = .error(error())
        case .toolStart: payload = .toolStart(toolName: try required("tool_name"), input: text)
        case .toolEnd: payload = .toolEnd(toolName: try required("tool_name"), output: text)
        case .toolError: payload = .toolError(toolName: try required("tool_name"), error: error())
        case .llmNewToken: payload = .llmNewToken(token: try required("token"))
        case .agentAction: payload = .agentAction(tool: try required("tool"), toolInput: text)
        }
        self.init(
            seq: UInt64(seq), timestamp: ts, runID: runID, parentRunID: parentRunID, callID: callID, payload: payload)
    }
}
