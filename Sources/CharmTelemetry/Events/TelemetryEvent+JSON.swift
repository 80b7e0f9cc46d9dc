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
        guard let hookName = o["hook"]?.stringValue else { throw fail("telemetry.hook is missing") }
        guard let hook = TelemetryHook(rawValue: hookName) else {
            throw fail("telemetry.hook '\(hookName)' is not one of Charm's eight hooks")
        }
        guard let seq = o["seq"]?.intValue, seq >= 0 else { throw fail("telemetry.seq is not a whole number") }
        guard let tsText = o["ts"]?.stringValue, let ts = Timestamp(rfc3339: tsText) else {
            throw fail("telemetry.ts is not an RFC 3339 time")
        }
        guard let runID = o["run_id"]?.stringValue else { throw fail("telemetry.run_id is missing") }
        func string(_ key: String) throws(DecodingError) -> String {
            guard let v = o[key], !v.isNull else { throw fail("telemetry.\(key) is missing") }
            return v.displayText
        }
        func error() -> TelemetryError {
            let e = o["error"]
            if let eo = e?.objectValue {
                return TelemetryError(
                    type: eo["type"]?.stringValue ?? "Error", message: eo["message"]?.displayText ?? "")
            }
            return TelemetryError(message: e?.displayText ?? "")
        }
        func object(_ key: String) -> JSONObject {
            guard let v = o[key], !v.isNull else { return JSONObject() }
            // Charm wraps a non-dict input as {"input": value}; do the same for any value.
            return v.objectValue ?? ["input": v]
        }
        let payload: Payload
        switch hook {
        case .runStart: payload = .runStart(inputs: object("inputs"))
        case .runEnd:
            payload = .runEnd(outputs: object("outputs"), status: o["status"]?.stringValue.flatMap(RunStatus.init))
        case .error: payload = .error(error())
        case .toolStart: payload = .toolStart(toolName: try string("tool_name"), input: o["input"]?.displayText ?? "")
        case .toolEnd: payload = .toolEnd(toolName: try string("tool_name"), output: o["output"]?.displayText ?? "")
        case .toolError: payload = .toolError(toolName: try string("tool_name"), error: error())
        case .llmNewToken: payload = .llmNewToken(token: try string("token"))
        case .agentAction: payload = .agentAction(tool: try string("tool"), toolInput: o["tool_input"]?.displayText ?? "")
        }
        self.init(
            seq: UInt64(seq), timestamp: ts, runID: runID,
            parentRunID: o["parent_run_id"]?.stringValue, callID: o["call_id"]?.stringValue,
            payload: payload)
    }
}
