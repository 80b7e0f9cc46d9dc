import Foundation

/// The OSC 52 control sequence that asks the terminal to put text on the system clipboard:
/// `ESC ] 52 ; c ; <base64 of the UTF-8 text> BEL`.
///
/// It travels in the terminal's own output stream, so it works over ssh and inside tmux
/// (with `set-clipboard on` tmux keeps it as a paste buffer and passes it on). Terminals
/// bound what they accept, so the text is capped: see `maxTextBytes`.
package enum ClipboardSequence {
    /// The most UTF-8 bytes of text one sequence carries. Its base64 is 4/3 as long, so the
    /// whole sequence stays under 100,000 bytes: within what tmux and the terminals that
    /// honour OSC 52 take in one sequence (several drop a longer one whole, silently).
    package static let maxTextBytes = 74_000

    /// The bytes written before the base64 text.
    package static let introducer: [UInt8] = [0x1B] + Array("]52;c;".utf8)
    /// The byte that ends the sequence (BEL, which every terminal that knows OSC 52 accepts).
    package static let terminator: UInt8 = 0x07

    /// The sequence that puts `text` on the clipboard. `text` is encoded whole: cap it first
    /// (see `capped(_:)`), since a sequence beyond the terminal's limit is dropped.
    package static func sequence(for text: String) -> [UInt8] {
        let encoded = Data(text.utf8).base64EncodedData()
        var out: [UInt8] = []
        out.reserveCapacity(introducer.count + encoded.count + 1)
        out += introducer
        out += encoded
        out.append(terminator)
        return out
    }

    /// `text` when it fits `limit` UTF-8 bytes, else its longest start that does and ends on
    /// a character boundary; with whether it was cut.
    package static func capped(_ text: String, limit: Int = maxTextBytes) -> (text: String, cut: Bool) {
        let utf8 = text.utf8
        guard utf8.count > limit else { return (text, false) }
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, limit))
        while end > utf8.startIndex && end.samePosition(in: text) == nil { end = utf8.index(before: end) }
        return (String(text[..<end]), true)
    }
}
