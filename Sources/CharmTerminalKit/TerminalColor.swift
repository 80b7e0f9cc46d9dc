/// A colour as the monitor's view asks for it; the terminal layer degrades it to what the
/// terminal can show, so views never need to know the terminal's capability.
package enum TerminalColor: Hashable, Sendable {
    /// The terminal's own foreground or background (keeps transparent terminals transparent).
    case `default`
    /// An index into the xterm 256-colour palette; 0–15 are the themable ANSI colours.
    case ansi(UInt8)
    /// A 24-bit colour, shown exactly only on true-colour terminals.
    case rgb(UInt8, UInt8, UInt8)
}
