import CharmTerminalKit
import Testing

@Suite("OSC 52 clipboard sequence")
struct ClipboardSequenceTests {
    @Test("ESC ] 52 ; c ; base64 of the UTF-8 text, ended by BEL")
    func encoding() {
        let bytes = ClipboardSequence.sequence(for: #"東京 ☀️ {"a": 1}"#)
        // The base64 as Python's base64.b64encode gives it for the same UTF-8.
        let expected = [0x1B] + Array(#"]52;c;5p2x5LqsIOKYgO+4jyB7ImEiOiAxfQ=="#.utf8) + [0x07]
        #expect(bytes == expected)
        #expect(ClipboardSequence.sequence(for: "") == [0x1B] + Array("]52;c;".utf8) + [0x07])
    }

    @Test("text within the cap is sent whole")
    func withinCap() {
        let text = String(repeating: "a", count: ClipboardSequence.maxTextBytes)
        let (sent, cut) = ClipboardSequence.capped(text)
        #expect(!cut && sent == text)
        let over = ClipboardSequence.capped(text + "b")
        #expect(over.cut && over.text == text, "one byte over the cap is cut")
    }

    @Test("text beyond the cap is cut on a character boundary, and the sequence stays under 100,000 bytes")
    func beyondCap() {
        // "é" is 2 bytes: the cap falls inside one, which must not be split.
        let text = String(repeating: "a", count: ClipboardSequence.maxTextBytes - 1) + String(repeating: "é", count: 10)
        let (sent, cut) = ClipboardSequence.capped(text)
        #expect(cut)
        #expect(sent.utf8.count == ClipboardSequence.maxTextBytes - 1)
        #expect(text.hasPrefix(sent))
        let huge = String(repeating: "👩‍💻", count: 50_000)
        let (hugeSent, hugeCut) = ClipboardSequence.capped(huge)
        #expect(hugeCut && hugeSent.utf8.count <= ClipboardSequence.maxTextBytes && huge.hasPrefix(hugeSent))
        #expect(hugeSent.count == hugeSent.utf8.count / "👩‍💻".utf8.count)
        #expect(ClipboardSequence.sequence(for: hugeSent).count < 100_000)
    }
}
