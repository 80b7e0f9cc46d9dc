import Testing

@testable import CharmTelemetry

/// The emitter writes each line straight from the event; those bytes must equal the line
/// built the general way (payload object + `telemetryObject`), which the oracle tests hold
/// to charmos.
@Suite struct EmitterEventLineTests {
    static let odd = "tab\t \"q\" back\\slash /slash \u{01}\u{1f}\u{7f} é 東京 👩‍💻 e\u{301}\n"

    static let events: [TelemetryEvent] = {
        let payloads: [TelemetryEvent.Payload] = [
            .runStart(inputs: ["q": .string(odd), "n": .int(3), "x": .double(1.5), "nested": .object(["a": .array([.null, .bool(true)])])]),
            .runStart(inputs: [:]),
            .runEnd(outputs: ["answer": .string(odd)], status: .error),
            .runEnd(outputs: [:], status: nil),
            .error(TelemetryError(type: "ValueError", message: odd)),
            .toolStart(toolName: "web_search", input: odd),
            .toolEnd(toolName: "t", output: String(repeating: "🙂", count: 600)),
            .toolEnd(toolName: "t", output: String(repeating: "x", count: 499) + "e\u{301}tail"),
            .toolEnd(toolName: "t", output: ""),
            .toolError(toolName: "calc", error: TelemetryError(type: "ZeroDivisionError", message: odd)),
            .llmNewToken(token: odd),
            .llmNewToken(token: "Hello"),
            .agentAction(tool: "read_file", toolInput: odd),
            .llmCall(LLMCall(
                model: "gpt-4o", provider: "openai", operation: "chat", inputTokens: 1_200, outputTokens: 80,
                cacheReadTokens: 100, reasoningTokens: 7, finishReasons: ["stop", odd],
                start: Timestamp(microseconds: 1_700_000_000_000_001), error: TelemetryError(type: "RateLimit", message: odd),
                inputMessages: odd, outputMessages: "[]")),
            .llmCall(LLMCall(start: Timestamp(microseconds: 1_700_000_000_000_000))),
        ]
        return payloads.enumerated().flatMap { i, p in
            [
                TelemetryEvent(seq: UInt64(i), timestamp: Timestamp(microseconds: 1_700_000_000_123_456 + Int64(i)), runID: "run \(odd)", payload: p),
                TelemetryEvent(
                    seq: UInt64.max - UInt64(i), timestamp: .now(), runID: "r", parentRunID: "parent", callID: "call_1", payload: p),
            ]
        }
    }()

    static func generalLine(_ e: TelemetryEvent, telemetry: Bool) -> [UInt8]? {
        guard let (type, content) = CharmProtocol.line(for: e.payload, runID: e.runID) else { return nil }
        return CharmEmitter.line(type: type, payload: ["content": .string(content)], telemetry: telemetry ? e.telemetryObject : nil)
    }

    @Test func directLineEqualsTheGeneralLine() {
        for e in Self.events {
            for telemetry in [true, false] {
                let direct = CharmEmitter.line(for: e, telemetry: telemetry).map { String(decoding: $0, as: UTF8.self) }
                let general = Self.generalLine(e, telemetry: telemetry).map { String(decoding: $0, as: UTF8.self) }
                #expect(direct == general, "\(e.hook) telemetry=\(telemetry)")
            }
        }
    }

    @Test func namedRunStartEqualsTheGeneralLine() {
        let e = TelemetryEvent(seq: 1, timestamp: .now(), runID: "r", runName: "weather \(Self.odd)", payload: .runStart(inputs: [:]))
        #expect(CharmEmitter.line(for: e, telemetry: true) == Self.generalLine(e, telemetry: true))
    }

    @Test func emptyTokenWritesNothing() {
        let e = TelemetryEvent(seq: 1, timestamp: .now(), runID: "r", payload: .llmNewToken(token: ""))
        #expect(CharmEmitter.line(for: e) == nil)
    }
}
