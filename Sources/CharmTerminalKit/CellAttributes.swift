/// Text attributes of a cell. Kept apart from colour because on a monochrome terminal
/// attributes are all a theme has left to tell roles apart.
public struct CellAttributes: OptionSet, Hashable, Sendable {
    /// The raw bits; stable only within one process, never persisted.
    public let rawValue: UInt8

    /// Creates attributes from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Heavier or brighter text.
    public static let bold = CellAttributes(rawValue: 1 << 0)
    /// Fainter text.
    public static let dim = CellAttributes(rawValue: 1 << 1)
    /// Slanted text, where the terminal supports it.
    public static let italic = CellAttributes(rawValue: 1 << 2)
    /// Underlined text.
    public static let underline = CellAttributes(rawValue: 1 << 3)
    /// Foreground and background swapped: the one highlight every terminal has.
    public static let reverse = CellAttributes(rawValue: 1 << 4)
    /// Blinking text, where the terminal supports it.
    public static let blink = CellAttributes(rawValue: 1 << 5)

    /// Every attribute paired with its lower-case name, in a stable order, for theme
    /// files and error messages.
    public static let named: [(name: String, attribute: CellAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("italic", .italic),
        ("underline", .underline), ("reverse", .reverse), ("blink", .blink),
    ]
}
