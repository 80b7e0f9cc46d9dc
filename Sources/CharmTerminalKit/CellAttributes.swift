/// Text attributes of a cell. Kept apart from colour because on a monochrome terminal
/// attributes are all a theme has left to tell roles apart.
package struct CellAttributes: OptionSet, Hashable, Sendable {
    /// The raw bits; stable only within one process, never persisted.
    package let rawValue: UInt8

    /// Creates attributes from raw bits.
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Heavier or brighter text.
    package static let bold = CellAttributes(rawValue: 1 << 0)
    /// Fainter text.
    package static let dim = CellAttributes(rawValue: 1 << 1)
    /// Slanted text, where the terminal supports it.
    package static let italic = CellAttributes(rawValue: 1 << 2)
    /// Underlined text.
    package static let underline = CellAttributes(rawValue: 1 << 3)
    /// Foreground and background swapped: the one highlight every terminal has.
    package static let reverse = CellAttributes(rawValue: 1 << 4)
    /// Blinking text, where the terminal supports it.
    package static let blink = CellAttributes(rawValue: 1 << 5)

    /// Every attribute paired with its lower-case name, in a stable order, for theme
    /// files and error messages.
    package static let named: [(name: String, attribute: CellAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("italic", .italic),
        ("underline", .underline), ("reverse", .reverse), ("blink", .blink),
    ]
}
