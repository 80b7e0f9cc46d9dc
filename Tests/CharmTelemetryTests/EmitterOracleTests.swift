import Foundation
import CharmTestSupport
import Testing

@testable import CharmTelemetry
import CharmWire

/// The emitter against the real Charm SDK: for the same hook calls, our lines must carry
/// exactly charmos' `type` and `content`, and with our `telemetry` member removed they must
/// be byte-for-byte the lines charmos 0.5.2 prints.
@Suite(.blocksThreads) struct EmitterOracleTests {
    /// Hook calls as the oracle script takes them: [python hook, arg, arg].
    static let script: [[String]] = [
        ["on_tool_start", "web_search", #"{"query": "東京の天気", "top_k": 5}"#],
        ["on_tool_end", "web_search", String(repeating: "é", count: 3) + String(repeating: "🙂", count: 600)],
        ["on_tool_start", "calc", "1 / 0\ttab \"quoted\" back\\slash /slash \u{01}\u{1f}\u{7f}"],
        ["on_tool_error", "calc", "division by zero"],
        ["on_llm_new_token", "Hello"],
        ["on_llm_new_token", ""],
        ["on_llm_new_token", "e\u{301}\n"],
        ["on_llm_new_token", "👩‍💻 ツ"],
        ["on_agent_action", "read_file", #"{"path": "résumé.txt"}"#],
        ["on_tool_end", "read_file", String(repeating: "x", count: 499) + "ツ" + "tail"],
        ["on_tool_end", "short", ""],
    ]

    static func payload(for call: [String]) -> TelemetryEvent.Payload {
        switch call[0] {
        case "on_tool_start": .toolStart(toolName: call[1], input: call[2])
        case "on_tool_end": .toolEnd(toolName: call[1], output: call[2])
        case "on_tool_error": .toolError(toolName: call[1], error: TelemetryError(type: "Exception", message: call[2]))
        case "on_llm_new_token": .llmNewToken(token: call[1])
        default: .agentAction(tool: call[1], toolInput: call[2])  // the script's only other hook
        }
    }

    func oracleLines(sse: Bool = false) throws -> [String] {
        let path = Support.tempPath("script.json")
        let data = try JSONSerialization.data(withJSONObject: Self.script)
        try data.write(to: URL(fileURLWithPath: path))
        var args = ["python3", Support.fixture("charmos_emitter.py"), path]
        if sse { args.append("--sse") }
        let out = try Support.run(args)
        #expect(out.status == 0, "oracle failed: \(out.stderr)")
        return String(decoding: out.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func ourLines() -> [String] { ourLinesAndEvents().lines }

    /// Our emitter's lines for the script, and the events they were written for.
    func ourLinesAndEvents() -> (lines: [String], events: [TelemetryEvent]) {
        var events: [TelemetryEvent] = []
        let bytes = Support.captureEmitter { output in
            let manager = TelemetryManager(enabledExporters: [], registry: ExporterRegistry(), emitter: CharmEmitterExporter(output: output))
            for call in Self.script {
                // Built here, as `dispatch(_:runID:...)` would, since it hands no event back.
                let event = TelemetryEvent(
                    seq: TelemetryManager.nextSequence(), timestamp: .now(), runID: "run-1", callID: "call-1",
                    payload: Self.payload(for: call))
                events.append(event)
                manager.dispatch(event)
            }
            manager.shutdown(timeout: .seconds(10))
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return (lines, events)
    }

    @Test(.oracle(.charmos)) func typeAndContentMatchCharmos() throws {
        let oracle = try oracleLines()
        let ours = ourLines()
        #expect(oracle.count == 10, "charmos skips the empty token")
        #expect(ours.count == oracle.count)
        for (o, p) in zip(oracle, ours) {
            let ov = try JSONParser.parse(String(o.dropFirst(CharmProtocol.eventPrefix.count)))
            let pv = try JSONParser.parse(String(p.dropFirst(CharmProtocol.eventPrefix.count)))
            #expect(ov["type"] == pv["type"])
            #expect(ov["content"] == pv["content"])
        }
    }

    @Test(.oracle(.charmos)) func linesAreByteIdenticalWithoutTelemetry() throws {
        let oracle = try oracleLines()
        let (ours, events) = ourLinesAndEvents()
        // charmos skips the empty token, so the events that made a line are the others.
        let written = events.filter { if case .llmNewToken("") = $0.payload { false } else { true } }
        #expect(ours.count == oracle.count && written.count == oracle.count)
        for ((o, p), e) in zip(zip(oracle, ours), written) {
            // Whole lines: charmos' line, byte for byte, with only `, "telemetry": {...}`
            // inserted before its final brace; any other member would break the equality.
            var telemetry: [UInt8] = []
            JSONWriter.writeObject(e.telemetryObject, into: &telemetry)
            let expected = String(o.dropLast()) + #", "telemetry": "# + String(decoding: telemetry, as: UTF8.self) + "}"
            #expect(p == expected)
        }
    }

    @Test(.oracle(.charmos)) func linesWithoutTelemetryAreExactlyCharmos() throws {
        let oracle = try oracleLines()
        let bytes = Support.captureEmitter { output in
            let exporter = CharmEmitterExporter(output: output, includesTelemetry: false)
            for (i, call) in Self.script.enumerated() {
                exporter.handle(TelemetryEvent(seq: UInt64(i), timestamp: .now(), runID: "run-1", payload: Self.payload(for: call)))
            }
        }
        let ours = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(ours == oracle)
    }

    @Test(.oracle(.charmos, .langchainCore)) func decoderReadsCharmosInBothFramings() throws {
        for sse in [false, true] {
            let text = try oracleLines(sse: sse).joined(separator: sse ? "\n\n" : "\n")
            let records = StreamDecoder.decodeAll(text, sourceName: "py")
            let events = records.compactMap { r -> WireEvent? in if case .event(let e) = r { e } else { nil } }
            #expect(events.count == 10)
            #expect(events.allSatisfy { $0.framing == (sse ? .sse : .prefixed) })
            let hooks = events.flatMap(\.hookEvents)
            #expect(hooks.map(\.hook) == [
                .runStart, .toolStart, .toolEnd, .toolStart, .toolError, .llmNewToken, .llmNewToken, .llmNewToken,
                .agentAction, .toolEnd, .toolEnd,
            ])
            #expect(Set(hooks.map(\.runID)) == ["legacy:py"])
            let tokens = hooks.compactMap { if case .llmNewToken(let t) = $0.payload { t } else { nil } }
            #expect(tokens.joined() == "Helloe\u{301}\n👩‍💻 ツ")
            if case .toolStart(let name, let input) = hooks[1].payload {
                #expect(name == "web_search")
                #expect(input == #"{"query": "東京の天気", "top_k": 5}"#)
            } else {
                Issue.record("expected a rebuilt tool start")
            }
            // The rebuilt output is the start of what the tool returned (charmos cuts it),
            // without the separator: a space too many or too few shows here.
            if case .toolEnd(let name, let output) = hooks[2].payload {
                #expect(name == "web_search")
                #expect(!output.isEmpty && Self.script[1][2].hasPrefix(output), "\(output.prefix(20))")
            } else {
                Issue.record("expected a rebuilt tool end")
            }
            if case .toolError(_, let e) = hooks[4].payload { #expect(e.message == "division by zero") }
            #expect(hooks[2].callID == hooks[1].callID)
            #expect(hooks[4].callID == hooks[3].callID)
        }
    }
}
