import Testing

@testable import CharmWire

/// The decoder's first two parts on their own: what the line splitter hands on, and what the
/// frame recogniser makes of single lines (the whole decoder is `DecoderTests`).
@Suite struct DecoderPartsTests {
    /// What the splitter hands on, as text: `n:line` (CR of a CRLF dropped, `(carried)` when
    /// the bytes lay in its carry) or `n:oversized(bytes)`.
    static func split(_ chunks: [String], maxLineLength: Int = 64) -> [String] {
        var splitter = LineSplitter(maxLineLength: maxLineLength)
        var out: [String] = []
        let take: (LineSplitter.Piece) -> Void = { piece in
            switch piece {
            case .line(let bytes, let n, let stable):
                out.append("\(n):" + String(decoding: bytes, as: UTF8.self) + (stable ? "" : "(carried)"))
            case .oversized(let bytes, let n):
                out.append("\(n):oversized(\(bytes))")
            }
        }
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBufferPointer { splitter.split($0, take) }
        }
        splitter.finish(take)
        return out
    }

    @Test func linesEndAtLFAndACRLFLosesItsCR() {
        #expect(Self.split(["a\r\nb\nc\rd\n"]) == ["1:a", "2:b", "3:c\rd"])
    }

    @Test func aLineCutAcrossFeedsIsCarriedAndTheLastOneEndsAtFinish() {
        #expect(Self.split(["ab", "c\nde", "f"]) == ["1:abc(carried)", "2:def(carried)"])
        #expect(Self.split(["x\r", "\ny\n"]) == ["1:x(carried)", "2:y"])
    }

    @Test func anOversizedLineIsCountedNotKeptAndNumberedInOrder() {
        let long = String(repeating: "z", count: 10)
        // Whole in one feed, and carried across feeds: both skipped, numbered where they were.
        #expect(Self.split(["ok\n\(long)\nok\n"], maxLineLength: 8) == ["1:ok", "2:oversized(10)", "3:ok"])
        #expect(Self.split(["ok\nzzzzz", "zzzzz", "\nok"], maxLineLength: 8) == ["1:ok", "2:oversized(10)", "3:ok(carried)"])
    }

    /// What the recogniser makes of `lines`, one line at a time, then the end of the stream.
    static func recognize(_ lines: [String], maxLineLength: Int = 1 << 20) -> [String] {
        var frames = FrameRecognizer(maxLineLength: maxLineLength)
        var out: [String] = []
        let take: (FrameRecognizer.Frame) -> Void = { frame in
            switch frame {
            case .json(let bytes, let framing, let n, _):
                out.append("\(framing)@\(n):" + String(decoding: bytes, as: UTF8.self))
            case .raw(let bytes): out.append("raw:" + String(decoding: bytes, as: UTF8.self))
            case .oversized(let bytes, let n): out.append("oversized@\(n):\(bytes)")
            }
        }
        for (i, line) in lines.enumerated() {
            Array(line.utf8).withUnsafeBufferPointer { frames.recognize($0, number: i + 1, stable: false, take) }
        }
        frames.flush(take)
        return out
    }

    @Test func eachFramingIsToldApartLineByLine() {
        #expect(
            Self.recognize([
                #"__CHARM_EVENT__{"a":1}"#, #"  ::CHARM_EVENT:: {"b":2}"#, #"{"c":3}"#, "a raw print",
                #"docker | __CHARM_EVENT__{"d":4}"#,
            ]) == [
                #"prefixed@1:{"a":1}"#, #"prefixed@2:{"b":2}"#, #"ndjson@3:{"c":3}"#, "raw:a raw print",
                #"prefixed@5:{"d":4}"#,
            ])
    }

    @Test func anSSEFrameJoinsItsDataLinesAndEndsAtItsBlankLine() {
        var frames = FrameRecognizer(maxLineLength: 1 << 20)
        var out: [String] = []
        for (i, line) in [": comment", "event: message", "id: 7", "data: {\"a\":", "data: 1}", "retry: 10", ""].enumerated() {
            Array(line.utf8).withUnsafeBufferPointer { buf in
                frames.recognize(buf, number: i + 1, stable: false) { frame in
                    if case .json(let bytes, let framing, let n, _) = frame {
                        out.append("\(framing)@\(n):" + String(decoding: bytes, as: UTF8.self))
                    }
                }
            }
            // The id counts only once its frame is dispatched, at the blank line.
            #expect(frames.lastEventID == (i == 6 ? "7" : nil))
        }
        #expect(out == ["sse@4:{\"a\":\n1}"])
    }

    @Test func anSSEFrameOverTheLimitIsReportedOnceWhereItCrossedIt() {
        #expect(Self.recognize(["data: 12345", "data: 67890", "data: more", "", #"{"e":5}"#], maxLineLength: 8)
            == ["oversized@2:11", #"ndjson@5:{"e":5}"#])
    }
}
