import Testing

@testable import CharmTelemetry

/// Inputs the libFuzzer targets (Fuzz/, docs/fuzzing.md) found, kept as regression tests.
@Suite struct FuzzRegressionTests {
    static func decodeOne(_ line: String) -> DecodedRecord? {
        var d = StreamDecoder(sourceName: "t")
        var out: [DecodedRecord] = []
        d.feed(line + "\n") { out.append($0) }
        d.finish { out.append($0) }
        return out.count == 1 ? out[0] : nil
    }

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
            guard case .event(let w) = Self.decodeOne(line) else {
                Issue.record("not an event: \(line)")
                continue
            }
            #expect(w.object.keys == keys, "\(line)")
        }
    }
}
