import Foundation
import Testing

@testable import CharmTelemetry
@testable import CharmWire

/// A parallel feed must give exactly the records of a sequential one, in the same order, on
/// every kind of line the decoder knows.
@Suite struct DecoderParallelTests {
    /// About 2 MB of everything mixed: structured lines in all three framings, legacy lines,
    /// SSE frames with ids and comments, raw prints, malformed JSON, invalid UTF-8, CRLF,
    /// an oversized line, and lines that will straddle feed boundaries.
    static func mixedStream() -> [UInt8] {
        var out: [UInt8] = []
        let ts = Timestamp(rfc3339: "2026-11-25T07:37:00.5Z")!
        for i in 0..<6_000 {
            let e = TelemetryEvent(
                seq: UInt64(i), timestamp: ts, runID: "run-\(i % 7)", callID: i % 5 == 0 ? "c\(i)" : nil,
                payload: i % 5 == 0 ? .toolStart(toolName: "search", input: "q \(i) 東京") : .llmNewToken(token: "t\(i) ☀️"))
            let line = CharmEmitter.line(type: "delta", payload: ["content": .string("c\(i)")], telemetry: e.telemetryObject)
            switch i % 11 {
            case 0: out += Array("data: ".utf8) + line.dropFirst(CharmProtocol.eventPrefix.utf8.count).dropLast() + Array("\nid: \(i)\n: ping\n\n".utf8)
            case 1: out += line.dropFirst(CharmProtocol.eventPrefix.utf8.count)
            case 2: out += Array("{\"type\": \"thinking\", \"content\": \"Using Tool: calc\\nInput: \(i)\"}\n".utf8)
            case 3: out += Array("raw print \(i)\r\n".utf8)
            case 4: out += Array("__CHARM_EVENT__{\"type\": \"delta\", \"content\": \"bro".utf8) + [0xFF, 0xFE] + Array("ken\" \n".utf8)
            case 5: out += Array("{\"type\": \"delta\", \"telemetry\": {\"hook\": \"nope\"}}\n".utf8)
            case 6: out += Array("{\"type\": \"delta\" \"content\": 1}\n".utf8)
            case 7 where i % 1_000 == 7: out += Array(repeating: UInt8(ascii: "x"), count: 300) + [0x0A]
            default: out += line
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], chunk: Int, parallel: Bool) -> [DecodedRecord] {
        var d = StreamDecoder(sourceName: "p", maxLineLength: 256)
        d.parallelParsing = parallel
        var out: [DecodedRecord] = []
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i < raw.count {
                let end = min(raw.count, i + chunk)
                d.feed(UnsafeRawBufferPointer(rebasing: raw[i..<end])) { out.append($0) }
                i = end
            }
        }
        d.finish { out.append($0) }
        return out
    }

    @Test func parallelFeedsGiveTheSequentialRecordsInOrder() {
        let bytes = Self.mixedStream()
        let sequential = Self.decode(bytes, chunk: 65_536, parallel: false)
        #expect(sequential.count == 6_000)  // one record per source line or SSE frame
        var kinds = Set<String>()
        for r in sequential {
            switch r {
            case .event(let e): kinds.insert(e.isStructured ? "structured-\(e.framing)" : "legacy")
            case .malformed: kinds.insert("malformed")
            case .raw: kinds.insert("raw")
            case .oversized: kinds.insert("oversized")
            }
        }
        #expect(kinds == ["structured-sse", "structured-ndjson", "structured-prefixed", "legacy", "malformed", "raw", "oversized"])
        // Fed 7 bytes at a time every line goes through `carry` and every SSE frame through
        // `sseData`: an oracle that shares neither the in-place SSE span nor the parallel path.
        #expect(Self.decode(bytes, chunk: 7, parallel: false) == sequential)
        for chunk in [65_536, 100_003, 1 << 20, bytes.count] {
            let parallel = Self.decode(bytes, chunk: chunk, parallel: true)
            #expect(parallel.count == sequential.count, "chunk \(chunk)")
            #expect(parallel == sequential, "chunk \(chunk)")
        }
    }
}
