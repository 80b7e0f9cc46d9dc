extension CharmEmitter {
    /// The bytes of the line charmos writes for `event`, plus our `telemetry` member when
    /// `telemetry` is true; `nil` when Charm writes nothing (an empty token).
    ///
    /// Written straight from the event, piece by piece: no payload object, no joined
    /// `content` string and no `telemetry` object are built per event. The bytes equal
    /// `line(type:payload:telemetry:)` for `CharmProtocol.line(for:)` and `telemetryObject`
    /// (a test holds the two paths equal, and the oracle tests hold both to charmos).
    package static func line(for event: TelemetryEvent, telemetry: Bool = true) -> [UInt8]? {
        if case .llmNewToken(let t) = event.payload, t.isEmpty { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(192)
        out.append(contentsOf: CharmProtocol.eventPrefix.utf8)
        out.append(contentsOf: #"{"type": ""#.utf8)
        out.append(contentsOf: lineType(event.payload))
        out.append(contentsOf: #"", "content": ""#.utf8)
        appendContent(event, into: &out)
        out.append(UInt8(ascii: "\""))
        if telemetry {
            out.append(contentsOf: #", "telemetry": "#.utf8)
            writeTelemetry(event, into: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static func lineType(_ payload: TelemetryEvent.Payload) -> StaticString {
        switch payload {
        case .runStart, .runEnd: "status"
        case .error: "error"
        case .llmNewToken: "delta"
        case .toolStart, .toolEnd, .toolError, .agentAction: "thinking"
        case .llmCall: "llm_call"
        }
    }

    /// `CharmProtocol.line(for:)`'s content, escaped, without its quotes.
    private static func appendContent(_ event: TelemetryEvent, into out: inout [UInt8]) {
        switch event.payload {
        case .runStart:
            out.append(contentsOf: "Run ".utf8)
            JSONWriter.appendEscaped(event.runID, into: &out)
            out.append(contentsOf: " started".utf8)
        case .runEnd:
            out.append(contentsOf: "Run ".utf8)
            JSONWriter.appendEscaped(event.runID, into: &out)
            out.append(contentsOf: " finished".utf8)
        case .error(let e):
            JSONWriter.appendEscaped(e.message, into: &out)
        case .toolStart(let name, let input):
            out.append(contentsOf: "Using Tool: ".utf8)
            JSONWriter.appendEscaped(name, into: &out)
            out.append(contentsOf: #"\nInput: "#.utf8)
            JSONWriter.appendEscaped(input, into: &out)
            out.append(contentsOf: #"\n"#.utf8)
        case .toolEnd(_, let output):
            out.append(contentsOf: "Tool Output: ".utf8)
            // Python's `[:500]` counts code points.
            let scalars = output.unicodeScalars
            var end = scalars.startIndex
            var n = 0
            while n < CharmProtocol.toolOutputPreviewLength && end != scalars.endIndex {
                scalars.formIndex(after: &end)
                n += 1
            }
            JSONWriter.appendEscaped(output[..<end], into: &out)
            out.append(contentsOf: #"...\n"#.utf8)
        case .toolError(_, let e):
            out.append(contentsOf: "Tool Error: ".utf8)
            JSONWriter.appendEscaped(e.message, into: &out)
            out.append(contentsOf: #"\n"#.utf8)
        case .llmNewToken(let token):
            JSONWriter.appendEscaped(token, into: &out)
        case .agentAction(let tool, let input):
            out.append(contentsOf: "Thought: I need to use ".utf8)
            JSONWriter.appendEscaped(tool, into: &out)
            out.append(contentsOf: " with ".utf8)
            JSONWriter.appendEscaped(input, into: &out)
            out.append(contentsOf: #"\n"#.utf8)
        case .llmCall(let call):
            JSONWriter.appendEscaped(call.model ?? "", into: &out)
        }
    }

    /// `event.telemetryObject` in Python's separators, written member by member.
    package static func writeTelemetry(_ event: TelemetryEvent, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"v": "#.utf8)
        JSONWriter.appendInt(TelemetryEvent.protocolVersion, into: &out)
        out.append(contentsOf: #", "hook": ""#.utf8)
        out.append(contentsOf: event.hook.rawValue.utf8)
        out.append(contentsOf: #"", "seq": "#.utf8)
        JSONWriter.appendInt(Int64(truncatingIfNeeded: event.seq), into: &out)
        out.append(contentsOf: #", "ts": "#.utf8)
        JSONWriter.writeString(event.timestamp.rfc3339, into: &out)
        out.append(contentsOf: #", "run_id": "#.utf8)
        JSONWriter.writeString(event.runID, into: &out)
        func member(_ key: StaticString, _ value: String) {
            out.append(contentsOf: #", ""#.utf8)
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(contentsOf: #"": "#.utf8)
            JSONWriter.writeString(value, into: &out)
        }
        func optional(_ key: StaticString, _ value: String?) {
            if let value { return member(key, value) }
            out.append(contentsOf: #", ""#.utf8)
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(contentsOf: #"": null"#.utf8)
        }
        func error(_ e: TelemetryError) {
            out.append(contentsOf: #", "error": {"type": "#.utf8)
            JSONWriter.writeString(e.type, into: &out)
            out.append(contentsOf: #", "message": "#.utf8)
            JSONWriter.writeString(e.message, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        switch event.payload {
        case .runStart(let inputs):
            optional("parent_run_id", event.parentRunID)
            if let name = event.runName { member("name", name) }
            out.append(contentsOf: #", "inputs": "#.utf8)
            JSONWriter.writeObject(inputs, into: &out)
        case .runEnd(let outputs, let status):
            out.append(contentsOf: #", "outputs": "#.utf8)
            JSONWriter.writeObject(outputs, into: &out)
            if let status { member("status", status.rawValue) }
        case .error(let e):
            error(e)
        case .toolStart(let name, let input):
            optional("call_id", event.callID)
            member("tool_name", name)
            member("input", input)
        case .toolEnd(let name, let output):
            optional("call_id", event.callID)
            member("tool_name", name)
            member("output", output)
        case .toolError(let name, let e):
            optional("call_id", event.callID)
            member("tool_name", name)
            error(e)
        case .llmNewToken(let token):
            member("token", token)
        case .agentAction(let tool, let input):
            member("tool", tool)
            member("tool_input", input)
        case .llmCall(let call):
            optional("call_id", event.callID)
            out.append(contentsOf: #", "llm": "#.utf8)
            JSONWriter.write(call.json, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension [UInt8] {
    @inline(__always)
    fileprivate mutating func append(contentsOf s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}
