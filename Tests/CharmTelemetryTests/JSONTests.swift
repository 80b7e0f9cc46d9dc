import Foundation
import CharmTestSupport
import Testing

@testable import CharmTelemetry
import CharmWire

@Suite(.blocksThreads) struct JSONTests {
    @Test func roundTripKeepsOrderAndValues() throws {
        let text = #"{"type": "final", "content": {"z": 1, "a": [true, false, null, -5, 2.5, 1e-05, "\u00e9\n\"/"]}, "format": "json"}"#
        let v = try JSONParser.parse(text)
        #expect(v.objectValue?.keys == ["type", "content", "format"])
        #expect(JSONWriter.string(v) == #"{"type": "final", "content": {"z": 1, "a": [true, false, null, -5, 2.5, 1e-05, "é\n\"/"]}, "format": "json"}"#)
        #expect(JSONWriter.compact(v).hasPrefix(#"{"type":"final","content":{"z":1"#))
    }

    @Test func surrogatesAndEscapes() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude42""#) == .string("🙂"))
        #expect(try JSONParser.parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
        #expect(try JSONParser.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(JSONWriter.string(.string("\u{0}\u{1f}\u{7f}\t\u{8}\u{c}")) == #""\u0000\u001f\#u{7f}\t\b\f""#)
    }

    @Test func rejectsWhatPythonRejects() throws {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"a\u{1}\"", "{} x", "[" + String(repeating: "[", count: 400)] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
        #expect(try JSONParser.parse("NaN").doubleValue?.isNaN == true)
        #expect(try JSONParser.parse("-Infinity") == .double(-.infinity))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
    }

    @Test func duplicateKeysKeepTheLastValueLikePython() throws {
        #expect(try JSONParser.parse(#"{"a": 1, "a": 2}"#) == .object(["a": 2]))
    }

    @Test func timestampsRoundTrip() {
        let t = Timestamp(microseconds: 1_795_592_220_123_456)
        #expect(t.rfc3339 == "2026-11-25T07:37:00.123456Z")
        #expect(Timestamp(rfc3339: t.rfc3339) == t)
        #expect(Timestamp(rfc3339: "2026-11-25T08:37:00.5+01:00")?.rfc3339 == "2026-11-25T07:37:00.500000Z")
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59.999999Z")?.microseconds == -1)
        #expect(Timestamp(rfc3339: "garbage") == nil)
    }

    @Test(.oracle(.charmos)) func writerMatchesPythonJSONDumps() throws {
        let samples: [JSONValue] = [
            .string("tab\there \"q\" \\ / é 東京 🙂 \u{1}\u{1b}\u{7f}\u{2028}"),
            .object(["n": .int(-3), "f": .double(0.1), "big": .double(1e21), "l": .array([.null, .bool(true)])]),
        ]
        for v in samples {
            let ours = JSONWriter.string(v)
            let out = try Support.run(
                ["python3", "-c", "import json,sys; print(json.dumps(json.loads(sys.stdin.read()), ensure_ascii=False), end='')"],
                stdin: Data(ours.utf8))
            #expect(String(decoding: out.stdout, as: UTF8.self) == ours)
        }
    }
}
