/// How many colours the terminal can show. Detected once at start-up; themes and cell
/// styles are degraded to it so a view never emits a colour the terminal would garble.
package enum ColorCapability: Int, Comparable, Hashable, Sendable, CaseIterable {
    /// No colour at all (a monochrome terminal, or the user set NO_COLOR): attributes only.
    case none
    /// The 16 ANSI colours.
    case ansi16
    /// The xterm 256-colour palette.
    case ansi256
    /// 24-bit colour.
    case trueColor

    /// Orders capabilities from poorest to richest.
    package static func < (lhs: ColorCapability, rhs: ColorCapability) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The capability for a terminal reporting `colors` colours (terminfo's `colors`, or
    /// curses' `COLORS`) in `environment`.
    ///
    /// NO_COLOR set to anything non-empty wins (no-color.org). COLORTERM=truecolor or
    /// 24bit raises a colour terminal to true colour, since terminfo rarely says so.
    package static func detect(colors: Int, environment: [String: String]) -> ColorCapability {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        guard colors >= 8 else { return .none }
        let colorTerm = environment["COLORTERM"]?.lowercased() ?? ""
        if colorTerm == "truecolor" || colorTerm == "24bit" { return .trueColor }
        if colors >= 256 { return .ansi256 }
        return .ansi16
    }
}
