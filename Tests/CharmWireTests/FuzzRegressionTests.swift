import Testing

@testable import CharmTelemetry
@testable import CharmWire

/// Inputs the libFuzzer targets (Fuzz/, docs/fuzzing.md) found, kept as regression tests.
@Suite struct FuzzRegressionTests {
    /// fuzz-json: a repeated `telemetry` member whose last value is not an event moved to the
    /// end of the line's members on the fast path; json.loads (and `JSONParser.parse`) keep
    /// the last value in the first member's place.
    @Test func aRepeatedTelemetryMemberKeepsTheFirstOnesPlace() throws {
        let good = #"{"v":1,"hook":"llm_new_token","seq":1,"ts":"2026-11-25T07:37:00Z","run_id":"a","token":"t"}"#
        for (line, keys) in [
            (#"{"telemetry": 1, "type": "x", "telemetry": 2}"#, ["telemetry", "type"]),
            (#"{"type":"delta","telemetry":\#(good),"content":"x","telemetry":{"hook":"nope"}}"#, ["type", "telemetry", "content"]),
            (#"{"type":"delta","telemetry":[],"content":"x","telemetry":\#(good)}"#, ["type", "content"]),
        ] {
            let parsed = try #require(try JSONParser.parse(line).objectValue)
            let fast = try #require(line.utf8.withContiguousStorageIfAvailable { try? JSONParser.parseEventLine($0) } ?? nil)
            #expect(fast.object.keys == parsed.keys)
            #expect(fast.object == parsed)
            guard case .event(let w) = StreamDecoder.decodeOne(line) else {
                Issue.record("not an event: \(line)")
                continue
            }
            #expect(w.object.keys == keys, "\(line)")
        }
    }

    /// fuzz-json: a telemetry object that sets one field twice (a repeated key, or two keys
    /// for one field, `tool_input` then `output` then `tool_input`) gave the fast path the last
    /// member in the line's order and the general reader the last in json.loads' order (a
    /// repeated key keeps its first place); such lines now go to the general reader.
    @Test func aFieldSetTwiceInTelemetryReadsAsTheGeneralReaderReadsIt() throws {
        let telemetry = #"{"v":1,"hook":"agent_action","seq":3,"ts":"2026-11-29T18:25:03Z","run_id":"r","tool":"sql","tool_input":"A","output":"B","tool_input":"C"}"#
        let line = #"{"type":"thinking","telemetry":\#(telemetry)}"#
        let general = try TelemetryEvent(telemetry: try #require(try JSONParser.parse(telemetry).objectValue))
        #expect(general.payload == .agentAction(tool: "sql", toolInput: "B"))
        guard case .event(let w) = StreamDecoder.decodeOne(line) else { Issue.record("not an event"); return }
        #expect(w.isStructured)
        #expect(w.hookEvents == [general])
        for repeated in [
            #"{"v":1,"hook":"llm_new_token","seq":1,"ts":"2026-11-29T18:25:03Z","run_id":"a","token":"t","run_id":"b","token":"u"}"#,
            #"{"v":1,"hook":"llm_new_token","seq":1,"ts":"2026-11-29T18:25:03Z","hook":"run_start","run_id":"a","token":"t"}"#,
        ] {
            let expected = try TelemetryEvent(telemetry: try #require(try JSONParser.parse(repeated).objectValue))
            guard case .event(let e) = StreamDecoder.decodeOne(#"{"type":"delta","telemetry":\#(repeated)}"#) else {
                Issue.record("not an event: \(repeated)")
                continue
            }
            #expect(e.hookEvents == [expected])
        }
    }
}
