import Foundation
import Testing

@testable import CharmTelemetry
@testable import CharmWire

/// The decoder reads a valid `telemetry` member straight into a `TelemetryEvent`; these check
/// that it agrees with the general reader (`TelemetryEvent(telemetry:)` over parsed JSON) on
/// every hook and shape, and falls back to it for everything unusual.
@Suite struct DecoderFastPathTests {
    /// What the general reader makes of the line's `telemetry` member.
    static func general(_ line: String) throws -> TelemetryEvent {
        let json = line.hasPrefix(CharmProtocol.eventPrefix) ? String(line.dropFirst(CharmProtocol.eventPrefix.count)) : line
        let object = try #require(try JSONParser.parse(json).objectValue)
        return try TelemetryEvent(telemetry: try #require(object["telemetry"]?.objectValue))
    }

    static let ts = Timestamp(rfc3339: "2026-11-25T07:37:00.123456Z")!
    static let events: [TelemetryEvent] = [
        TelemetryEvent(seq: 1, timestamp: ts, runID: "r", parentRunID: "p", payload: .runStart(inputs: ["q": "東京", "n": 3])),
        TelemetryEvent(seq: 2, timestamp: ts, runID: "r", callID: "c1", payload: .toolStart(toolName: "search", input: #"{"q": "x\ny"}"#)),
        TelemetryEvent(seq: 3, timestamp: ts, runID: "r", callID: "c1", payload: .toolEnd(toolName: "search", output: "晴れ ☀️ \"18\"")),
        TelemetryEvent(seq: 4, timestamp: ts, runID: "r", callID: "c2", payload: .toolError(toolName: "calc", error: TelemetryError(type: "ZeroDivisionError", message: "division by zero"))),
        TelemetryEvent(seq: 5, timestamp: ts, runID: "r", payload: .llmNewToken(token: " tok\u{1F600}")),
        TelemetryEvent(seq: 6, timestamp: ts, runID: "r", payload: .agentAction(tool: "calc", toolInput: "2+2")),
        TelemetryEvent(seq: 7, timestamp: ts, runID: "r", payload: .error(TelemetryError(type: "TimeoutError", message: "slow"))),
        TelemetryEvent(seq: 8, timestamp: ts, runID: "r", payload: .runEnd(outputs: ["answer": 4], status: .error)),
        TelemetryEvent(seq: 9, timestamp: ts, runID: "r", payload: .runEnd(outputs: [:], status: nil)),
    ]

    @Test func everyHookAgreesWithTheGeneralReaderAndTheOriginal() throws {
        for e in Self.events {
            let bytes = CharmEmitter.line(type: "delta", payload: ["content": "c"], telemetry: e.telemetryObject)
            let line = String(decoding: bytes.dropLast(bytes.last == 0x0A ? 1 : 0), as: UTF8.self)
            guard case .event(let w) = StreamDecoder.decodeOne(line) else {
                Issue.record("not an event: \(line)")
                continue
            }
            #expect(w.isStructured)
            #expect(w.telemetryIssue == nil)
            #expect(w.hookEvents == [e])
            #expect(w.hookEvents == [try Self.general(line)])
            // The telemetry member is read into hookEvents, the rest of the line is kept in order.
            #expect(w.object.keys == ["type", "content"])
        }
    }

    @Test func escapedHookAndTimeAndUnknownMembersStillDecode() throws {
        // \u escapes in hook and ts take the general path; unknown members are skipped.
        let line = #"{"type":"delta","content":"x","telemetry":{"v":2,"hook":"llm\u005fnew_token","future":{"a":[1,2,{"b":null}]},"seq":3,"ts":"2026-11-25T07:37:00\u002e5Z","run_id":"r","token":"t"}}"#
        guard case .event(let w) = StreamDecoder.decodeOne(line) else { Issue.record("not an event"); return }
        #expect(w.isStructured)
        #expect(w.hookEvents.first?.payload == .llmNewToken(token: "t"))
        #expect(w.hookEvents.first?.timestamp.rfc3339 == "2026-11-25T07:37:00.500000Z")
        #expect(w.object["telemetry"] == nil)
        #expect(w.hookEvents == [try Self.general(line)])
    }

    @Test func aLaterTelemetryMemberWinsAsInPython() {
        let good = #"{"v":1,"hook":"llm_new_token","seq":1,"ts":"2026-11-25T07:37:00Z","run_id":"a","token":"first"}"#
        let second = #"{"v":1,"hook":"llm_new_token","seq":2,"ts":"2026-11-25T07:37:00Z","run_id":"b","token":"second"}"#
        guard case .event(let w) = StreamDecoder.decodeOne(#"{"type":"delta","telemetry":\#(good),"content":"x","telemetry":\#(second)}"#)
        else { Issue.record("not an event"); return }
        #expect(w.hookEvents.map(\.runID) == ["b"])
        #expect(w.object.keys == ["type", "content"])

        // A later invalid one replaces a valid one: the line says why, as json.loads would see it.
        guard case .event(let bad) = StreamDecoder.decodeOne(#"{"type":"delta","telemetry":\#(good),"telemetry":{"hook":"nope"}}"#)
        else { Issue.record("not an event"); return }
        #expect(bad.hookEvents.isEmpty)
        #expect(bad.isStructured == false)
        #expect(bad.telemetryIssue != nil)
        #expect(bad.object["telemetry"] == .object(["hook": "nope"]))
    }

    @Test func invalidTelemetrySaysWhatTheGeneralReaderSays() {
        let cases: [(String, String)] = [
            (#"{"hook":"llm_new_token","seq":-1,"ts":"2026-11-25T07:37:00Z","run_id":"r","token":"t"}"#, "seq"),
            (#"{"hook":"llm_new_token","seq":1,"ts":"yesterday","run_id":"r","token":"t"}"#, "ts"),
            (#"{"hook":7,"seq":1,"ts":"2026-11-25T07:37:00Z","run_id":"r","token":"t"}"#, "hook"),
            (#"{"hook":"tool_start","seq":1,"ts":"2026-11-25T07:37:00Z","run_id":"r"}"#, "tool_name"),
            (#"{"hook":"llm_new_token","seq":1,"ts":"2026-11-25T07:37:00Z","token":"t"}"#, "run_id"),
        ]
        for (telemetry, word) in cases {
            guard case .event(let w) = StreamDecoder.decodeOne(#"{"type":"delta","telemetry":\#(telemetry)}"#) else {
                Issue.record("not an event: \(telemetry)")
                continue
            }
            #expect(w.hookEvents.isEmpty)
            #expect(w.telemetryIssue?.contains(word) == true, "\(telemetry): \(w.telemetryIssue ?? "no issue")")
            let object = (try? JSONParser.parse(telemetry).objectValue) ?? [:]
            #expect(throws: TelemetryEvent.DecodingError.self) { try TelemetryEvent(telemetry: object) }
        }
    }

    @Test func brokenJSONInsideTelemetryIsMalformedNotAnEvent() {
        for line in [
            #"{"type":"delta","telemetry":{"hook":"llm_new_token","seq":1,}}"#,
            #"{"type":"delta","telemetry":{"hook":"llm_new_token" "seq":1}}"#,
            #"{"type":"delta","telemetry":{"hook":"llm_new_token","seq":1}"#,
            #"{"type":"delta","telemetry":{"hook":"llm_new_token","seq":1}} trailing"#,
            #"{"type":"delta","telemetry":{"ts":"2026-11-25T07:37:00Z\u12"}}"#,
        ] {
            guard case .malformed = StreamDecoder.decodeOne(line) else {
                Issue.record("accepted: \(line)")
                continue
            }
            #expect(throws: JSONParseError.self) { try JSONParser.parse(line) }
        }
    }
}
