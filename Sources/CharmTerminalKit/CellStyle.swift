/// How one cell looks: colours plus attributes. Hashable so the terminal layer can cache
/// one colour pair per distinct style.
package struct CellStyle: Hashable, Sendable {
    /// Foreground (text) colour.
    package var fg: TerminalColor
    /// Background colour.
    package var bg: TerminalColor
    /// Bold, reverse and the like.
    package var attributes: CellAttributes

    /// Creates a style; every part defaults to the terminal's own look.
    package init(
        fg: TerminalColor = .default,
        bg: TerminalColor = .default,
        attributes: CellAttributes = []
    ) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    /// The terminal's default colours with no attributes.
    package static let plain = CellStyle()

    /// This style with `attributes` added, for marking up a themed style in place.
    package func adding(_ attributes: CellAttributes) -> CellStyle {
        var copy = self
        copy.attributes.formUnion(attributes)
        return copy
    }
}
