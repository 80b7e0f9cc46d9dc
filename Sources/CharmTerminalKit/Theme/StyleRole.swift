/// What a piece of the screen means, as an application names it: a theme maps each role
/// to a style, and views ask for a role, never for a colour, so a theme file can restyle a
/// whole application. The toolkit knows no roles of its own; an application supplies an
/// enum of them (the monitor's is `ThemeRole`).
package protocol StyleRole: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// Ordinary text: the style a role falls back to when a theme leaves it out.
    static var text: Self { get }
    /// What the role keeps when the terminal has no colour: enough attributes that what
    /// must stand out (a selection, a match, a failure) still does on a monochrome screen.
    var monochromeAttributes: CellAttributes { get }
}
