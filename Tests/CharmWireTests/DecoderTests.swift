import Foundation
import CharmTestSupport
import Testing

@testable import CharmTelemetry
@testable import CharmWire

/// The stream decoder on every framing and on input meant to break it.
@Suite struct DecoderTests {
    func decode(_ bytes: [UInt8], chunk: Int = 7, maxLine: Int = StreamDecoder.defaultMaxLineLength) -> [DecodedRecord] {
        var d = StreamDecoder(sourceName: "t", maxLineLength: maxLine)
        var out: [DecodedRecord] = []
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            d.feed(Array(bytes[i..<end])) { out.append($0) }
            i = end
        }
        d.finish { out.append($0) }
        return out
    }

    func counts(_ records: [DecodedRecord]) -> (events: Int, malformed: Int, raw: Int, oversized: Int) {
        var c = (0, 0, 0, 0)
        for r in records {
            switch r {
            case .event: c.0 += 1
            case .malformed: c.1 += 1
            case .raw: c.2 += 1
            case .oversized: c.3 += 1
            }
        }
        return c
    }

    static let structured = #"__CHARM_EVENT__{"type": "delta", "content": "hi", "telemetry": {"v": 1, "hook": "llm_new_token", "seq": 7, "ts": "2026-11-25T07:37:00.123456Z", "run_id": "r1", "token": "hi"}}"#

    @Test func readsEveryFramingWithoutAFlag() {
        let text = """
            \(Self.structured)
            ::CHARM_EVENT::{"type": "status", "content": "ok"}
            {"type": "final", "content": {"a": 1}, "format": "json"}
            id: 41
            event: message
            : keep-alive
            data: {"type": "thinking", "content": "x"}

            just a raw print
            2026-11-25 docker-prefix __CHARM_EVENT__{"type": "status", "content": "embedded"}
            """
        var d = StreamDecoder(sourceName: "t")
        var out: [DecodedRecord] = []
        d.feed(text) { out.append($0) }
        d.finish { out.append($0) }
        let c = counts(out)
        #expect(c.events == 5)
        #expect(c.raw == 1)
        #expect(c.malformed == 0)
        #expect(d.lastEventID == "41")
        guard case .event(let first) = out[0] else { Issue.record("first is not an event"); return }
        #expect(first.framing == .prefixed)
        #expect(first.hookEvents.first?.runID == "r1")
        #expect(first.hookEvents.first?.seq == 7)
        #expect(first.hookEvents.first?.timestamp.rfc3339 == "2026-11-25T07:37:00.123456Z")
    }

    @Test func sseMultiLineDataAndCRLF() {
        let text = "data: {\"type\":\r\ndata: \"delta\", \"content\": \"a\"}\r\n\r\ndata: {\"type\": \"delta\", \"content\": \"b\"}\r\n"
        let out = decode(Array(text.utf8), chunk: 3)
        #expect(counts(out).events == 2)
        #expect(counts(out).malformed == 0)
    }

    @Test func malformedIsCountedAndKeptNeverFatal() {
        let lines = [
            "__CHARM_EVENT__{\"type\": \"delta\", \"content\": ",  // truncated
            "__CHARM_EVENT__[1, 2]",  // not an object
            "__CHARM_EVENT__{\"content\": \"no type\"}",
            "{\"type\": 5}",  // type not a string
            "data: not json",
            "{ broken",
            "{\"type\": \"my_custom_event\", \"x\": 1}",  // unknown type: valid
        ]
        let out = decode(Array((lines.joined(separator: "\n") + "\n").utf8))
        let c = counts(out)
        #expect(c.malformed == 6)
        #expect(c.events == 1)
        let previews = out.compactMap { r -> MalformedLine? in if case .malformed(let m) = r { m } else { nil } }
        #expect(previews[0].preview.hasPrefix("{\"type\": \"delta\""))
        #expect(previews[0].line == 1)
        #expect(previews.map(\.framing) == [.prefixed, .prefixed, .prefixed, .ndjson, .sse, .ndjson])
    }

    @Test func invalidUTF8AndNULBytesLoseNoValidEvent() {
        var bytes: [UInt8] = []
        let good = Array(#"__CHARM_EVENT__{"type": "delta", "content": "ok"}"#.utf8)
        for i in 0..<50 {
            bytes += good + [0x0A]
            bytes += [0xFF, 0xFE, 0x00, 0xC3, 0x28, UInt8(i)] + [0x0A]  // garbage line
            bytes += Array(#"__CHARM_EVENT__{"type": "delta", "content": "bad "#.utf8) + [0xFF, 0x22, 0x7D, 0x0A]
            bytes += [0x00, 0x00, 0x0A]
        }
        for chunk in [1, 5, 4096] {
            let out = decode(bytes, chunk: chunk)
            let events = out.compactMap { r -> WireEvent? in if case .event(let e) = r { e } else { nil } }
            #expect(events.count == 100)
            #expect(events.filter { $0.contentText == "ok" }.count == 50)
            #expect(events.filter { $0.contentText == "bad \u{FFFD}" }.count == 50)
        }
    }

    @Test func tenMegabyteLineDecodesAndLongerIsSkipped() {
        let big = String(repeating: "a", count: 10_000_000)
        let line = Array("{\"type\": \"final\", \"content\": \"\(big)\"}\n".utf8)
        let after = Array("{\"type\": \"status\", \"content\": \"after\"}\n".utf8)
        let out = decode(line + after, chunk: 1 << 20)
        #expect(counts(out).events == 2)
        let skipped = decode(line + after, chunk: 1 << 20, maxLine: 1 << 20)
        #expect(counts(skipped).events == 1)
        #expect(counts(skipped).oversized == 1)
        if case .oversized(let n, let lineNo) = skipped[0] {
            #expect(n == line.count - 1)
            #expect(lineNo == 1)
        } else {
            Issue.record("expected an oversized record first")
        }
    }

    @Test func lastLineWithoutNewlineAndPendingSSEAreDecodedAtEnd() {
        #expect(counts(decode(Array("{\"type\": \"a\"}".utf8))).events == 1)
        #expect(counts(decode(Array("data: {\"type\": \"a\"}".utf8))).events == 1)
    }

    @Test func legacyStreamSynthesisesOneRunPerSource() {
        let lines = [
            #"{"type": "status", "content": "Initializing Agent Runtime..."}"#,
            #"{"type": "thinking", "content": "Using Tool: search\nInput: q\n"}"#,
            #"{"type": "thinking", "content": "Tool Output: result...\n"}"#,
            #"{"type": "delta", "content": "Hi"}"#,
            #"{"type": "error", "content": "boom"}"#,
            #"{"type": "internal_run_finished", "content": {"exit_code": 0, "duration_ms": 5}}"#,
            #"{"type": "delta", "content": "again"}"#,
        ]
        let out = decode(Array(lines.joined(separator: "\n").utf8))
        let hooks = out.flatMap { r -> [TelemetryEvent] in if case .event(let e) = r { Array(e.hookEvents) } else { [] } }
        let kinds: [TelemetryHook] = hooks.map(\.hook)
        let expected: [TelemetryHook] = [.runStart, .toolStart, .toolEnd, .llmNewToken, .error, .runEnd, .runStart, .llmNewToken]
        #expect(kinds == expected)
        #expect(hooks[0].runID == "legacy:t")
        #expect(hooks[6].runID == "legacy:t#2")
        if case .runEnd(_, let status) = hooks[5].payload { #expect(status == .error) }
    }

    @Test func structuredSourceIsNotGuessedAt() {
        let text = Self.structured + "\n" + #"{"type": "thinking", "content": "Using Tool: fake\nInput: x\n"}"#
        let out = decode(Array(text.utf8))
        let hooks = out.flatMap { r -> [TelemetryEvent] in if case .event(let e) = r { Array(e.hookEvents) } else { [] } }
        #expect(hooks.count == 1)
    }

    @Test func badTelemetryKeepsTheEventAndSaysWhy() {
        let text = #"{"type": "delta", "content": "x", "telemetry": {"v": 1, "hook": "nope", "seq": 1, "ts": "x", "run_id": "r"}}"#
        let out = decode(Array(text.utf8))
        guard case .event(let e) = out.first else { Issue.record("not an event"); return }
        #expect(e.telemetryIssue?.contains("nope") == true)
    }

    @Test func anAbandonedConnectionDropsItsUnfinishedFrameAndTheDecoderGoesOn() {
        var d = StreamDecoder(sourceName: "sse")
        var out: [DecodedRecord] = []
        // One whole frame, then a frame with its data line but no blank line, then half a line.
        d.feed("id: 1\ndata: {\"type\": \"status\", \"content\": \"a\"}\n\nid: 2\ndata: {\"type\": \"status\"}\ndata: {\"x") { out.append($0) }
        #expect(out.count == 1)
        #expect(d.abandonPartial() == #"{"type": "status"}"#.utf8.count + #"data: {"x"#.utf8.count)
        d.finish { out.append($0) }
        #expect(out.count == 1)
        // The next connection starts clean; the id of the last event dispatched is kept for
        // Last-Event-ID, not the id of the frame that was cut (issue 10.2: it must come again).
        #expect(d.lastEventID == "1")
        d.feed("data: {\"type\": \"status\", \"content\": \"b\"}\n\n") { out.append($0) }
        guard case .event(let e) = out.last else { Issue.record("not an event"); return }
        #expect(e.contentText == "b")
        #expect(d.abandonPartial() == 0)
    }

    @Test func randomGarbageNeverCrashesAndChunkingChangesNothing() {
        var rng = SeededRandom()
        for round in 0..<200 {
            let n = Int(rng.next() % 2000)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for _ in 0..<5 { bytes.insert(contentsOf: Array("data: {\"type\":\"x\"\n{[\"".utf8), at: Int(rng.next() % UInt64(bytes.count + 1))) }
            let chunked = decode(bytes, chunk: 1 + Int(rng.next() % 64))
            let whole = decode(bytes, chunk: max(1, bytes.count))
            #expect(chunked == whole, "round \(round), \(rng.seedNote)")
            #expect(!whole.isEmpty || bytes.allSatisfy { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }, "round \(round), \(rng.seedNote)")
        }
    }
}

@Suite("llm_call and a run's name on the wire")
struct LLMCallWireTests {
    @Test("what the emitter writes, the decoder reads back as the same event, fast path and general path alike")
    func roundTrip() throws {
        let call = LLMCall(
            model: "gpt-4o", provider: "openai", operation: "chat", inputTokens: 1_200, outputTokens: 80,
            cacheReadTokens: 100, reasoningTokens: 7, finishReasons: ["stop", "length"],
            start: Timestamp(microseconds: 1_700_000_000_000_001), error: TelemetryError(type: "RateLimit", message: "slow \"down\""),
            inputMessages: #"[{"role":"user","content":"hi"}]"#, outputMessages: "[]")
        let events = [
            TelemetryEvent(seq: 7, timestamp: Timestamp(microseconds: 1_700_000_000_500_000), runID: "r1", callID: "llm_1", payload: .llmCall(call)),
            TelemetryEvent(seq: 8, timestamp: Timestamp(microseconds: 1_700_000_000_600_000), runID: "r2", parentRunID: "r1",
                           runName: "researcher", payload: .runStart(inputs: ["q": .string("x")])),
            TelemetryEvent(seq: 9, timestamp: Timestamp(microseconds: 1_700_000_000_700_000), runID: "r1", callID: "llm_2",
                           payload: .llmCall(LLMCall(start: Timestamp(microseconds: 1_700_000_000_650_000)))),
        ]
        for e in events {
            let line = String(decoding: try #require(CharmEmitter.line(for: e, telemetry: true)), as: UTF8.self)
            guard case .event(let w)? = StreamDecoder.decodeOne(String(line.dropLast())) else {
                Issue.record("not decoded: \(line)")
                continue
            }
            #expect(w.hookEvents.first == e, "\(line)")
            #expect(w.isStructured)
            // The same object read by the general JSON path (no fast path) agrees.
            let json = line.drop { $0 != "{" }.split(separator: "\n")[0]
            let object = try #require(try JSONParser.parse(Array(json.utf8)).objectValue)
            let telemetry = try #require(object["telemetry"]?.objectValue)
            #expect(try TelemetryEvent(telemetry: telemetry) == e)
        }
    }
}
